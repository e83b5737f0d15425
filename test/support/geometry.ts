/**
 * What each policy promises about its own blocks beyond the contract, checked by
 * assertHeapMatches on every block of blocks(): one entry per policy, written by that
 * policy's tests. A policy without an entry is held to the contract alone.
 */
import assert from 'node:assert/strict';
import type { BlockInfo, Heap } from '../../src/index.js';
import { CLASS_SIZE, Pg } from '../../src/alloc/pages/layout.js';

type GeometryCheck = (heap: Heap, b: BlockInfo, what: string) => void;

export const POLICY_GEOMETRY: Partial<Record<string, GeometryCheck>> = {
  // segfit: an 8-byte header before every payload, chunks of 16+ bytes in steps of 8,
  // usable size = chunk - 8, the 8-byte sentinel as the last block.
  segfit(heap, b, what) {
    if (b.state === 'metadata') {
      assert.equal(b.size, 8, `${what}: segfit's sentinel is 8 bytes`);
      assert.equal(b.offset + 8, heap.stats().heapSize, `${what}: segfit's sentinel ends at the break`);
      return;
    }
    assert.equal(b.ptr, b.offset + 8, `${what}: block ptr is offset + 8`);
    assert.ok(b.size >= 16 && b.size % 8 === 0, `${what}: chunk size ${b.size}`);
    if (b.state === 'used' || b.state === 'mapped') {
      assert.equal(heap.usableSize(b.ptr), b.size - 8, `${what}: usableSize(${b.ptr}) vs blocks()`);
    }
  },
  // tlsf: the same 8-byte header and 8-byte sentinel; never a mapped block (big requests
  // are ordinary blocks), and a free block at the top is 'top'.
  tlsf(heap, b, what) {
    if (b.state === 'metadata') {
      assert.equal(b.size, 8, `${what}: tlsf's sentinel is 8 bytes`);
      assert.equal(b.offset + 8, heap.stats().heapSize, `${what}: tlsf's sentinel ends at the break`);
      return;
    }
    assert.notEqual(b.state, 'mapped', `${what}: tlsf maps no page runs`);
    assert.notEqual(b.state, 'reserved', `${what}: tlsf reserves nothing`);
    assert.equal(b.ptr, b.offset + 8, `${what}: block ptr is offset + 8`);
    assert.ok(b.size >= 16 && b.size % 8 === 0, `${what}: block size ${b.size}`);
    if (b.state === 'used') {
      assert.ok(b.size - 8 - b.requested <= 16, `${what}: at most 16 bytes of slack in a used block of ${b.size} for ${b.requested}`);
      assert.equal(heap.usableSize(b.ptr), b.size - 8, `${what}: usableSize(${b.ptr}) vs blocks()`);
    }
  },
  // pages: blocks of a size class have no header (ptr = offset, usable size = the class
  // size); a block of its own span starts after the 64-byte span header and runs to the
  // span's end; reserved capacity is a whole number of the page's blocks.
  pages(heap, b, what) {
    if (b.state === 'metadata' || b.state === 'free' || b.state === 'top' || b.state === 'reserved') {
      assert.equal(b.ptr, b.offset, `${what}: a ${b.state} block's ptr is its offset`);
      return;
    }
    if (b.ptr === b.offset) {
      assert.ok(CLASS_SIZE.includes(b.size), `${what}: block of ${b.size} bytes is no size class`);
      assert.equal(heap.usableSize(b.ptr), b.size, `${what}: usableSize(${b.ptr}) is the class size`);
    } else {
      assert.ok(b.ptr - b.offset >= Pg.HEADER, `${what}: a large block's payload ${b.ptr} overlaps its span header at ${b.offset}`);
      assert.equal(heap.usableSize(b.ptr), b.offset + b.size - b.ptr, `${what}: usableSize(${b.ptr}) runs to the span's end`);
    }
  },
};

/** Policies that give requests of mmapThreshold and more a page run of their own ('mapped' blocks). */
export const EXPECTS_PAGE_RUNS: ReadonlySet<string> = new Set(['segfit', 'pages']);

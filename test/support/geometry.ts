/**
 * What each policy promises about its own blocks beyond the contract, checked by
 * assertHeapMatches on every block of blocks(): one entry per policy, written by that
 * policy's tests. A policy without an entry is held to the contract alone.
 */
import assert from 'node:assert/strict';
import type { BlockInfo, Heap } from '../../src/index.js';
import { CLASS_SIZE, Pg } from '../../src/alloc/pages/layout.js';

type GeometryCheck = (heap: Heap, b: BlockInfo, what: string) => void;

/**
 * segfit and the fits: an 8-byte header before every payload, chunks of 16+ bytes in steps
 * of 8, usable size = chunk - 8, the 8-byte sentinel as the last block.
 */
function boundaryTags(heap: Heap, b: BlockInfo, what: string): void {
  const name = heap.allocator;
  if (b.state === 'metadata') {
    assert.equal(b.size, 8, `${what}: ${name}'s sentinel is 8 bytes`);
    assert.equal(b.offset + 8, heap.stats().heapSize, `${what}: ${name}'s sentinel ends at the break`);
    return;
  }
  assert.equal(b.ptr, b.offset + 8, `${what}: block ptr is offset + 8`);
  assert.ok(b.size >= 16 && b.size % 8 === 0, `${what}: chunk size ${b.size}`);
  if (b.state === 'used' || b.state === 'mapped') {
    assert.equal(heap.usableSize(b.ptr), b.size - 8, `${what}: usableSize(${b.ptr}) vs blocks()`);
  }
}

export const POLICY_GEOMETRY: Partial<Record<string, GeometryCheck>> = {
  segfit: boundaryTags,
  'first-fit': boundaryTags,
  'next-fit': boundaryTags,
  'best-fit': boundaryTags,
  // buddy: power-of-two blocks of 16+ bytes at offsets (from the heap start) that are
  // multiples of their size; an 8-byte header before the payload, which an aligned block
  // places further in; usable bytes run to the block's end; no metadata blocks.
  buddy(heap, b, what) {
    const start = heap.staticBase + Math.ceil(heap.stats().staticSize / 8) * 8;
    assert.notEqual(b.state, 'metadata', `${what}: buddy keeps no metadata in the space`);
    assert.ok(b.size >= 16 && (b.size & (b.size - 1)) === 0, `${what}: block size ${b.size} is not a power of two >= 16`);
    assert.equal((b.offset - start) % b.size, 0, `${what}: block at ${b.offset} is not aligned to its size from the heap start ${start}`);
    if (b.state === 'used') {
      assert.ok(b.ptr >= b.offset + 8, `${what}: ptr ${b.ptr} leaves no header in the block at ${b.offset}`);
      assert.equal(heap.usableSize(b.ptr), b.offset + b.size - b.ptr, `${what}: usableSize(${b.ptr}) runs to the block's end`);
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
  // pool: every block is one slot (blockSize rounded up to 8), usable whole, pointer = offset.
  pool(heap, b, what) {
    if (b.state === 'metadata') return;
    assert.equal(b.ptr, b.offset, `${what}: a pool block has no header`);
    const first = heap.blocks().find((x) => x.state !== 'metadata');
    assert.equal(b.size, first?.size, `${what}: every pool block has the same size`);
    if (b.state === 'used') assert.equal(heap.usableSize(b.ptr), b.size, `${what}: usableSize(${b.ptr}) is the block`);
  },
  // arena: an 8-byte header before every payload; pads (metadata) before aligned blocks; the free rest is the top.
  arena(heap, b, what) {
    if (b.state === 'used') {
      assert.equal(b.ptr, b.offset + 8, `${what}: block ptr is offset + 8`);
      assert.equal(heap.usableSize(b.ptr), b.size - 8, `${what}: usableSize(${b.ptr}) vs blocks()`);
    }
    assert.equal(b.size % 8, 0, `${what}: block size ${b.size}`);
  },
};

/** Policies that give requests of mmapThreshold and more a page run of their own ('mapped' blocks). */
export const EXPECTS_PAGE_RUNS: ReadonlySet<string> = new Set(['segfit', 'pages']);

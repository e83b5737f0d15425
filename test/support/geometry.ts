/**
 * What each policy promises about its own blocks beyond the contract, checked by
 * assertHeapMatches on every block of blocks(): one entry per policy, written by that
 * policy's tests. A policy without an entry is held to the contract alone.
 */
import assert from 'node:assert/strict';
import type { BlockInfo, Heap } from '../../src/index.js';

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
};

/** Policies that give requests of mmapThreshold and more a page run of their own ('mapped' blocks). */
export const EXPECTS_PAGE_RUNS: ReadonlySet<string> = new Set(['segfit']);

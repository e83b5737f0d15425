/**
 * maxSize: 2 ** 32, which the README allows, on every backing: the heap grows to 4 GiB and every
 * pointer stays distinct, aligned and inside the break (once the backing reached exactly 4 GiB,
 * views were built with `byteLength >>> 2 === 0` and malloc returned the same pointer twice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap } from '../src/index.js';
import { BACKINGS } from './support/heap-verify.js';

const BIG = 2 ** 28;

for (const backing of BACKINGS) {
  test(`${backing}: a heap with maxSize 2^32 grows to 4 GiB and keeps its blocks apart`, () => {
    const heap = createHeap({ backing, maxSize: 2 ** 32 });
    const ptrs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const p = heap.malloc(BIG);
      if (p === 0) break;
      assert.ok(Number.isInteger(p) && p > 0 && p % 8 === 0, `malloc ${i} returned ${p}`);
      assert.ok(p + BIG <= heap.stats().heapSize, `block ${i} at ${p} passes the break`);
      const u8 = heap.u8;
      u8[p] = i + 1;
      u8[p + BIG - 1] = i + 101;
      ptrs.push(p);
    }
    assert.equal(heap.stats().backingSize, 2 ** 32, 'the backing reached 4 GiB');
    assert.ok(ptrs.length >= 14, `only ${ptrs.length} blocks of 256 MiB in 4 GiB`);
    assert.equal(new Set(ptrs).size, ptrs.length, 'every pointer distinct');
    const u8 = heap.u8;
    ptrs.forEach((p, i) => {
      assert.equal(u8[p], i + 1, `first byte of block ${i}`);
      assert.equal(u8[p + BIG - 1], i + 101, `last byte of block ${i}`);
    });
    heap.check();
    // small requests still work at the top of the address space, and everything frees
    const q = heap.malloc(64);
    heap.check();
    for (const p of ptrs) heap.free(p);
    if (q !== 0) heap.free(q);
    heap.check();
    assert.equal(heap.stats().liveBlocks, 0);
  });
}

test('a backing is never resized to NaN, a fraction or a negative size (resizable: would shrink to 0)', async () => {
  const { createBacking } = await import('../src/os/backing.js');
  for (const kind of BACKINGS) {
    const b = createBacking(kind, 65536, 1 << 20);
    for (const bad of [NaN, 1.5, -65536, Infinity]) assert.equal(b.resize(bad), false, `${kind}.resize(${bad})`);
    assert.equal(b.byteLength, 65536, `${kind}: the backing kept its size`);
  }
});

/**
 * The buddy system beyond the conformance suite: orders, splits and merges by XOR of the
 * offset (with their events), double frees after merging, the space growing and shrinking,
 * bounded work, and check() catching corrupted headers, links and the bitmap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, DoubleFreeError, type Heap, type HeapEvent } from '../src/index.js';
import { Hdr } from '../src/os/header.js';
import { flipBitsMissed, type MetaWord } from './support/bit-flips.js';
import { mulberry32 } from '../bench/prng.js';

/** Word index of the policy metadata of a heap at base 0 (right after the heap header): 32 list heads, then the bitmap. */
const PM = Hdr.HEADER_BYTES >>> 2;

function heapStart(heap: Heap): number {
  return heap.staticBase + Math.ceil(heap.stats().staticSize / 8) * 8;
}

test('a request takes the smallest power of two that holds it and its 8-byte header', () => {
  const heap = createHeap({ allocator: 'buddy' });
  for (const [n, block] of [[0, 16], [8, 16], [9, 32], [24, 32], [25, 64], [120, 128], [121, 256], [4088, 4096], [4089, 8192]]) {
    const p = heap.malloc(n);
    assert.equal(heap.usableSize(p), block - 8, `malloc(${n})`);
  }
  heap.check();
});

test('splits halve a block down to the order asked; freeing merges with the buddy at offset ^ size', () => {
  const heap = createHeap({ allocator: 'buddy', trimThreshold: 2 ** 31 });
  const start = heapStart(heap);
  const big = heap.malloc(1000); // order 10 at the start
  heap.free(big); // stays: the top is not trimmed
  const events: HeapEvent[] = [];
  heap.onEvent((e) => events.push(e));
  const a = heap.malloc(20); // order 5: 10 -> 9 -> ... -> 5
  const splits = events.filter((e) => e.type === 'buddy-split');
  assert.deepEqual(splits.map((e) => e.type === 'buddy-split' && e.order), [10, 9, 8, 7, 6]);
  for (const e of splits) if (e.type === 'buddy-split') assert.equal(e.buddy - start, (e.block - start) ^ 2 ** (e.order - 1));
  const b = heap.malloc(20); // the buddy of a
  assert.equal((b - 8 - start) ^ 32, a - 8 - start, 'the second block is the first one\'s buddy');
  events.length = 0;
  heap.free(a);
  assert.equal(events.filter((e) => e.type === 'buddy-merge').length, 0, 'a\'s buddy is used: no merge');
  heap.free(b);
  const merges = events.filter((e) => e.type === 'buddy-merge');
  assert.deepEqual(merges.map((e) => e.type === 'buddy-merge' && e.order), [6, 7, 8, 9, 10]);
  assert.deepEqual(heap.blocks().map((x) => [x.offset - start, x.size, x.state]), [[0, 1024, 'top']]);
  heap.check();
});

test('a second free of a block that merged into its buddy is a DoubleFreeError, and changes nothing', () => {
  const heap = createHeap({ allocator: 'buddy', trimThreshold: 2 ** 31 });
  const a = heap.malloc(20);
  const b = heap.malloc(20);
  const keep = heap.malloc(100);
  heap.free(a);
  heap.free(b); // merges with a
  const before = JSON.stringify(heap.blocks());
  for (const p of [a, b]) {
    assert.throws(() => heap.free(p), DoubleFreeError);
    assert.throws(() => heap.realloc(p, 50), DoubleFreeError);
  }
  assert.equal(JSON.stringify(heap.blocks()), before);
  heap.free(keep);
  heap.check();
});

test('the space grows by what a request needs and trim() gives the free top back', () => {
  const heap = createHeap({ allocator: 'buddy', trimThreshold: 2 ** 31 });
  const start = heapStart(heap);
  assert.equal(heap.stats().heapSize, start, 'an empty space');
  const a = heap.malloc(40); // 64 bytes
  assert.equal(heap.stats().heapSize, start + 64);
  const b = heap.malloc(1000); // 1024: the gap [64, 1024) becomes free blocks, then the block
  assert.equal(heap.stats().heapSize, start + 2048);
  assert.deepEqual(heap.blocks().map((x) => [x.offset - start, x.size, x.state]),
    [[0, 64, 'used'], [64, 64, 'free'], [128, 128, 'free'], [256, 256, 'free'], [512, 512, 'free'], [1024, 1024, 'used']]);
  heap.free(b);
  assert.equal(heap.trim(), 2048 - 64, "the freed block and the free gap blocks below it");
  heap.free(a);
  heap.trim();
  assert.equal(heap.stats().heapSize, start, 'everything free and merged: the space is empty again');
  heap.check();
});

test('the work of malloc and free stays bounded by the number of orders', () => {
  const heap = createHeap({ allocator: 'buddy', maxSize: 64 * 1024 * 1024 });
  const rnd = mulberry32(7);
  const live: number[] = [];
  let worst = 0;
  for (let i = 0; i < 5000; i++) {
    const before = heap.workUnits;
    if (live.length === 0 || rnd() < 0.55) live.push(heap.malloc(Math.floor(rnd() * (rnd() < 0.9 ? 200 : 20000))));
    else heap.free(live.splice(Math.floor(rnd() * live.length), 1)[0]);
    const w = heap.workUnits - before;
    // trims walk the space (counted); leave them out of the per-operation bound
    if (heap.stats().osShrinks === 0) worst = Math.max(worst, w);
  }
  assert.ok(worst > 0 && worst <= 2 * 32, `worst ${worst} units`);
});

/** A heap with used, aligned and free blocks, built from a seed. */
function randomHeap(seed: number): Heap {
  const rnd = mulberry32(seed);
  const heap = createHeap({ allocator: 'buddy', trimThreshold: 2 ** 31 });
  const live: number[] = [];
  for (let i = 0; i < 120; i++) {
    if (rnd() < 0.6 || live.length === 0) {
      const n = Math.floor(rnd() * (rnd() < 0.8 ? 64 : 3000));
      const p = rnd() < 0.2 ? heap.alignedAlloc(64, n) : heap.malloc(n);
      heap.u8.fill(Math.floor(rnd() * 256), p, p + n);
      live.push(p);
    } else {
      heap.free(live.splice(Math.floor(rnd() * live.length), 1)[0]);
    }
  }
  heap.check();
  return heap;
}

/** Block headers (both words), the links of free blocks, the aligned blocks' payload headers, list heads and the bitmap. */
function metadataWords(heap: Heap): MetaWord[] {
  const out: MetaWord[] = [{ word: PM + 32, what: 'bitmap' }];
  for (let k = 4; k < 16; k++) if (heap.u32[PM + k] !== 0) out.push({ word: PM + k, what: `list head of order ${k}` });
  for (const b of heap.blocks()) {
    out.push({ word: b.offset >>> 2, what: `header of the ${b.state} block at ${b.offset}` });
    out.push({ word: (b.offset + 4) >>> 2, what: `second word of the ${b.state} block at ${b.offset}` });
    if (b.state === 'free' || b.state === 'top') out.push({ word: (b.offset + 8) >>> 2, what: `prev link of the free block at ${b.offset}` });
    if (b.state === 'used' && b.ptr !== b.offset + 8) {
      out.push({ word: (b.ptr - 8) >>> 2, what: `payload header of the aligned block at ${b.offset}` });
      out.push({ word: (b.ptr - 4) >>> 2, what: `requested size of the aligned block at ${b.offset}` });
    }
  }
  return out;
}

test('buddy: check() catches every single-bit flip of a header, link, list head and the bitmap', () => {
  for (const seed of [1, 2, 3]) {
    const heap = randomHeap(seed);
    assert.ok(heap.blocks().some((b) => b.state === 'free'), 'the heap has free blocks');
    assert.ok(heap.blocks().some((b) => b.state === 'used' && b.ptr !== b.offset + 8), 'the heap has aligned blocks');
    assert.deepEqual(flipBitsMissed(heap, metadataWords(heap)), []);
  }
});

test('buddy: a random single-byte corruption of the metadata is caught', () => {
  fc.assert(fc.property(fc.integer(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 255 }), (seed, pick, byte, xor) => {
    const heap = randomHeap(seed);
    const words = metadataWords(heap);
    const at = words[pick % words.length].word * 4 + byte;
    const saved = heap.u8[at];
    heap.u8[at] = saved ^ xor;
    try {
      assert.throws(() => heap.check(), { code: 'HEAP_CORRUPTION' });
    } finally {
      heap.u8[at] = saved;
    }
  }), { numRuns: 300 });
});

/**
 * tlsf's own promises, beyond the conformance suite (test/heap-model.test.ts runs that):
 * the list mapping and the good-fit rounding, the constant work bound on random and
 * adversarial sequences, its events with their list indices, double frees after merges,
 * check() catching corrupted headers, footers, links, heads and bitmaps, and trim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DoubleFreeError, HeapCorruptionError, InvalidPointerError, attachHeap, createHeap, type Heap, type HeapEvent, type TlsfEvent,
} from '../src/index.js';
import { Meta, Tl, listMinSize, listOf, searchListOf } from '../src/alloc/tlsf/layout.js';
import { Hdr } from '../src/os/header.js';
import { mulberry32 } from '../bench/prng.js';

/** The real-time bound the issue sets: units of work of any one operation. */
const WORK_BOUND = 64;

const blockSizeArb = fc.integer({ min: 2, max: 2 ** 29 - 1 }).map((k) => k * 8);

test('listOf: a block size lies in the range of its list; lists are in size order', () => {
  fc.assert(fc.property(blockSizeArb, (size) => {
    const i = listOf(size);
    assert.ok(i >= 2 && i < Tl.LISTS, `list ${i} of ${size}`);
    assert.ok(listMinSize(i) <= size, `list ${i} starts at ${listMinSize(i)} > ${size}`);
    assert.ok(listMinSize(i + 1) > size, `list ${i + 1} starts at ${listMinSize(i + 1)} <= ${size}`);
  }));
  // the top of the 32-bit range maps to the last level
  assert.equal(listOf(2 ** 32 - 8) >>> Tl.SL_BITS, Tl.FL_COUNT - 1);
});

test('searchListOf: every block of the list searched fits, and it skips at most the size\'s own list', () => {
  fc.assert(fc.property(blockSizeArb, (size) => {
    const s = searchListOf(size);
    assert.ok(listMinSize(s) >= size, `list ${s} (from ${listMinSize(s)}) may hold blocks below ${size}`);
    assert.ok(s - listOf(size) <= 1, `search for ${size} starts at list ${s}, own list ${listOf(size)}`);
  }));
  assert.equal(searchListOf(2 ** 32 - 2 ** 17 + 16), Tl.LISTS, 'a size above the last list boundary has no list');
});

/** Runs `op` and returns the units of work it did. */
function workOf(heap: Heap, op: () => void): number {
  const before = heap.workUnits;
  op();
  return heap.workUnits - before;
}

test(`work: every malloc, free, realloc and alignedAlloc stays within ${WORK_BOUND} units on random sequences`, () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('m' as const), n: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70000 })) }),
    fc.record({ t: fc.constant('f' as const), pick: fc.nat() }),
    fc.record({ t: fc.constant('r' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 20000 }) }),
    fc.record({ t: fc.constant('a' as const), log: fc.integer({ min: 3, max: 14 }), n: fc.integer({ min: 0, max: 5000 }) }),
  );
  let worst = 0;
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
    const heap = createHeap({ allocator: 'tlsf', trimThreshold: 4096 });
    const live: number[] = [];
    for (const o of ops) {
      let w = 0;
      if (o.t === 'm' || o.t === 'a') {
        w = workOf(heap, () => { const p = o.t === 'm' ? heap.malloc(o.n) : heap.alignedAlloc(2 ** o.log, o.n); if (p !== 0) live.push(p); });
      } else if (live.length > 0) {
        const k = o.pick % live.length;
        if (o.t === 'f') w = workOf(heap, () => heap.free(live.splice(k, 1)[0]));
        else w = workOf(heap, () => { live[k] = heap.realloc(live[k], o.n); });
      }
      worst = Math.max(worst, w);
      assert.ok(w <= WORK_BOUND, `${JSON.stringify(o)} did ${w} units of work`);
    }
    heap.check();
  }), { numRuns: 60 });
  assert.ok(worst > 0, 'the work counter moved');
});

test('work: the same constant on adversarial heaps (long same-size lists, many small holes before a large request)', () => {
  const heap = createHeap({ allocator: 'tlsf', trimThreshold: 2 ** 31 });
  // 20 000 free blocks of 1000..1023 bytes in one list, each kept apart by a live 16-byte block
  const holes: number[] = [];
  for (let i = 0; i < 20000; i++) {
    holes.push(heap.malloc(1000 + (i % 3) * 8));
    heap.malloc(8);
  }
  for (const p of holes) heap.free(p);
  const sameSize = workOf(heap, () => heap.malloc(1012)); // just above most of its own list
  const large = workOf(heap, () => heap.malloc(100000)); // nothing fits: every hole is too small
  const small = workOf(heap, () => heap.malloc(24)); // carved from a hole
  for (const [what, w] of [['same-size list', sameSize], ['large after holes', large], ['small', small]] as const) {
    assert.ok(w <= WORK_BOUND, `${what}: ${w} units`);
  }
  heap.check();
});

test('events: tlsf-search names the list searched and the list found, tlsf-split and tlsf-merge the list of the free block', () => {
  const heap = createHeap({ allocator: 'tlsf', trimThreshold: 2 ** 31 });
  const a = heap.malloc(1000);
  const guard = heap.malloc(16);
  heap.free(a); // a 1008-byte block (1000 + 8 header) in its list
  const events: HeapEvent[] = [];
  const off = heap.onEvent((e) => events.push(e));
  const p = heap.malloc(500);
  const own = (e: HeapEvent): e is TlsfEvent => e.type.startsWith('tlsf-');
  const search = events.filter(own).find((e) => e.type === 'tlsf-search');
  assert.ok(search !== undefined && search.type === 'tlsf-search', JSON.stringify(events));
  const found = listOf(1008);
  assert.deepEqual([search.hit, search.foundFl, search.foundSl], [true, found >>> Tl.SL_BITS, found & (Tl.SL_COUNT - 1)]);
  const wanted = searchListOf(512);
  assert.deepEqual([search.fl, search.sl, search.size], [wanted >>> Tl.SL_BITS, wanted & (Tl.SL_COUNT - 1), 512]);
  const split = events.find((e) => e.type === 'tlsf-split');
  assert.ok(split !== undefined && split.type === 'tlsf-split');
  assert.deepEqual([split.block, split.size, split.remainder], [p, 512, 1008 - 512]);
  assert.deepEqual([split.fl, split.sl], [listOf(496) >>> Tl.SL_BITS, listOf(496) & (Tl.SL_COUNT - 1)]);
  events.length = 0;
  heap.free(p); // merges with the 496-byte remainder after it
  const merge = events.find((e) => e.type === 'tlsf-merge');
  assert.ok(merge !== undefined && merge.type === 'tlsf-merge', JSON.stringify(events));
  assert.deepEqual([merge.block, merge.prev, merge.next, merge.size], [p, 0, p + 512, 1008]);
  assert.deepEqual([merge.fl, merge.sl], [listOf(1008) >>> Tl.SL_BITS, listOf(1008) & (Tl.SL_COUNT - 1)]);
  off();
  heap.free(guard);
  heap.check();
});

test('double free after merging on either side or both is a DoubleFreeError and changes nothing', () => {
  for (const order of [[0, 1], [1, 0], [0, 2, 1]]) {
    const heap = createHeap({ allocator: 'tlsf', trimThreshold: 2 ** 31 });
    const ps = [heap.malloc(40), heap.malloc(40), heap.malloc(40)];
    heap.malloc(40); // keeps the last one off the top
    for (const i of order) heap.free(ps[i]);
    const before = heap.blocks();
    for (const i of order) {
      assert.throws(() => heap.free(ps[i]), DoubleFreeError, `order ${order}: second free of block ${i}`);
    }
    assert.deepEqual(heap.blocks(), before);
    heap.check();
  }
});

test('interior, metadata and past-the-break pointers are InvalidPointerError', () => {
  const heap = createHeap({ allocator: 'tlsf' });
  const p = heap.malloc(100);
  const firstBlock = heap.blocks()[0].offset;
  for (const bad of [p + 8, p + 96, 200, firstBlock - 8, 8 * Math.floor((heap.stats().heapSize + 64) / 8)]) {
    assert.throws(() => heap.free(bad), InvalidPointerError, `free(${bad})`);
  }
  heap.free(p);
});

/** A heap with used and free blocks of many lists, from a seed. */
function randomHeap(seed: number): Heap {
  const rnd = mulberry32(seed);
  const heap = createHeap({ allocator: 'tlsf', trimThreshold: 2 ** 31 });
  const live: number[] = [];
  for (let i = 0; i < 120; i++) {
    if (rnd() < 0.6 || live.length === 0) {
      const n = rnd() < 0.7 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 6000);
      live.push(heap.malloc(n));
    } else {
      heap.free(live.splice(Math.floor(rnd() * live.length), 1)[0]);
    }
  }
  heap.check();
  return heap;
}

/** Every word check() must guard: headers, footers, links, list heads, both bitmap levels. */
function guardedWords(heap: Heap): { word: number; what: string }[] {
  const u32 = heap.u32;
  const out: { word: number; what: string }[] = [];
  for (const b of heap.blocks()) {
    out.push({ word: b.offset >>> 2, what: `header of the ${b.state} block at ${b.offset}` });
    if (b.state === 'free' || b.state === 'top') {
      out.push({ word: (b.offset + b.size - 4) >>> 2, what: `footer of the free block at ${b.offset}` });
      out.push({ word: (b.offset + 4) >>> 2, what: `next link of the free block at ${b.offset}` });
      out.push({ word: (b.offset + 8) >>> 2, what: `prev link of the free block at ${b.offset}` });
    }
    if (b.state === 'used') out.push({ word: (b.offset + 4) >>> 2, what: `requested size of the block at ${b.offset}` });
  }
  const pm = Hdr.HEADER_BYTES >>> 2; // the policy metadata follows the heap header (base 0)
  out.push({ word: pm + Meta.P_FL_MAP, what: 'first-level bitmap' });
  for (let fl = 0; fl < Tl.FL_COUNT; fl++) {
    if (u32[pm + Meta.P_SL_MAPS + fl] !== 0) out.push({ word: pm + Meta.P_SL_MAPS + fl, what: `second-level bitmap of level ${fl}` });
  }
  for (let i = 0; i < Tl.LISTS; i++) {
    if (u32[pm + Meta.P_HEADS + i] !== 0) out.push({ word: pm + Meta.P_HEADS + i, what: `head of list ${i}` });
  }
  return out;
}

test('check() catches any one bit flipped in a header, footer, link, requested size, list head or bitmap', () => {
  let tried = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const heap = randomHeap(seed);
    const u32 = heap.u32;
    for (const { word, what } of guardedWords(heap)) {
      for (const bit of [0, 1, 3, 4, 9, 31]) {
        const saved = u32[word];
        u32[word] = saved ^ (1 << bit);
        // a flip that only changes a requested size within the block's slack is harmless
        if (what.startsWith('requested') && bit < 3) { u32[word] = saved; continue; }
        assert.throws(() => heap.check(), HeapCorruptionError, `bit ${bit} of the ${what} (seed ${seed})`);
        u32[word] = saved;
        tried++;
      }
    }
    heap.check();
  }
  assert.ok(tried > 500, `only ${tried} corruptions tried`);
});

test('after freeing everything, trim() leaves no free block and a resizable heap shrinks to its initial size', () => {
  // trimThreshold is also the slack the OS layer keeps above the break: 0 here
  const heap = createHeap({ allocator: 'tlsf', backing: 'resizable', initialSize: 65536, trimThreshold: 0 });
  const ps: number[] = [];
  for (let i = 0; i < 2000; i++) ps.push(heap.malloc(i % 7 === 0 ? 3000 : 40));
  assert.ok((heap.memory as ArrayBuffer).byteLength > 65536);
  for (const p of ps) heap.free(p);
  heap.trim();
  const blocks = heap.blocks();
  assert.deepEqual(blocks.map((b) => b.state), ['metadata'], JSON.stringify(blocks.slice(0, 3)));
  assert.equal((heap.memory as ArrayBuffer).byteLength, 65536);
  heap.check();
});

test('attachHeap on the memory of a tlsf heap sees and frees the same blocks', () => {
  const heap = createHeap({ allocator: 'tlsf', backing: 'shared' });
  const a = heap.malloc(300);
  const b = heap.malloc(5000);
  const other = attachHeap(heap.memory as SharedArrayBuffer);
  assert.equal(other.allocator, 'tlsf');
  assert.deepEqual(other.blocks(), heap.blocks());
  other.free(a);
  assert.throws(() => heap.free(a), DoubleFreeError);
  heap.free(b);
  other.check();
  assert.equal(other.stats().liveBlocks, 0);
});

test('blocks past 2 GiB in a heap that grows to 4 GiB (views of a 4 GiB memory are not 0 words long)', () => {
  const heap = createHeap({ allocator: 'tlsf', backing: 'resizable', maxSize: 2 ** 32 });
  const a = heap.malloc(100);
  const big = heap.malloc(2 ** 31 + 1000);
  const b = heap.malloc(2 ** 30); // the backing grows to exactly 4 GiB
  assert.ok(big !== 0 && b !== 0);
  assert.ok(heap.usableSize(big) >= 2 ** 31 + 1000);
  heap.u8[big + 2 ** 31 + 999] = 7;
  heap.check();
  heap.free(big);
  const c = heap.malloc(2 ** 31 - 5000);
  assert.equal(c, big, 'the freed 2 GiB block is found again');
  for (const p of [a, b, c]) heap.free(p);
  heap.trim();
  assert.deepEqual(heap.blocks().map((x) => x.state), ['metadata']);
  heap.check();
});

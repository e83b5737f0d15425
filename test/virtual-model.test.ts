/**
 * The virtual allocator against a reference model (a sorted list of free
 * ranges, test/support/sorted-free-list.ts), after every operation: the range it
 * returns lies inside one of the model's free ranges (so no overlap), its offset
 * honours the alignment, a refusal (-1) happens only when the model finds no
 * free range that can hold the request, the free ranges of both are identical
 * (padding kept, everything merged), and check() passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createVirtualAllocator, DoubleFreeError, type VirtualAllocator } from '../src/index.js';
import { SortedFreeList } from './support/sorted-free-list.js';

type Op =
  | { t: 'alloc'; size: number; alignLog: number }
  | { t: 'fitFree'; pick: number; less: number; alignLog: number }
  | { t: 'free'; pick: number }
  | { t: 'doubleFree'; pick: number }
  | { t: 'grow'; by: number };

interface Reached {
  allocs: number;
  refusals: number;
  exactSearches: number;
  exactHits: number;
  padded: number;
}

function opArb(unit: number, maxAlignLog: number): fc.Arbitrary<Op> {
  const size = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
    { weight: 3, arbitrary: fc.integer({ min: 41, max: 700 }) },
    { weight: 1, arbitrary: fc.integer({ min: 701, max: 5000 }) },
  ).map((s) => s * unit);
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ t: fc.constant('alloc' as const), size, alignLog: fc.integer({ min: 0, max: maxAlignLog }) }) },
    // A request sized like one of the free ranges (a little less): the case where good fit
    // misses a range of the request's own list and only the exact search finds it.
    { weight: 3, arbitrary: fc.record({ t: fc.constant('fitFree' as const), pick: fc.nat(), less: fc.integer({ min: 0, max: 3 }), alignLog: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 7, arbitrary: fc.record({ t: fc.constant('free' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('doubleFree' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('grow' as const), by: fc.integer({ min: 0, max: 300 }).map((b) => b * unit) }) },
  );
}

function freeRangesOf(va: VirtualAllocator): Array<[number, number]> {
  return va.ranges().filter((r) => r.state === 'free').map((r) => [r.offset, r.offset + r.size]);
}

function sizedLikeAFreeRange(model: SortedFreeList, op: { pick: number; less: number; alignLog: number }): Op | null {
  const free = model.freeRanges();
  if (free.length === 0) return null;
  const [start, end] = free[op.pick % free.length];
  return { t: 'alloc', size: Math.max(1, end - start - op.less), alignLog: op.alignLog };
}

function runOps(space: number, minAlignLog: number, ops: Op[], reached: Reached): void {
  const minAlignment = 2 ** minAlignLog;
  const va = createVirtualAllocator({ size: space, minAlignment });
  const model = new SortedFreeList(space);
  const live: number[] = [];
  for (const raw of ops) {
    const op = raw.t === 'fitFree' ? sizedLikeAFreeRange(model, raw) : raw;
    if (op === null) continue;
    if (op.t === 'alloc') {
      const alignment = Math.max(2 ** op.alignLog, minAlignment);
      if (op.size > va.size) continue; // a RangeError: tried in virtual-errors.test.ts
      const before = va.stats().exactSearches;
      const offset = op.alignLog === 0 ? va.alloc(op.size) : va.alloc(op.size, 2 ** op.alignLog);
      const searched = va.stats().exactSearches > before;
      if (offset === -1) {
        assert.equal(model.findFit(op.size, alignment), -1,
          `alloc(${op.size}, ${alignment}) refused, but the free range ${JSON.stringify(model.freeRanges()[model.findFit(op.size, alignment)])} holds it`);
        reached.refusals++;
      } else {
        assert.equal(offset % alignment, 0, `offset ${offset} is not aligned to ${alignment}`);
        const holder = model.freeRanges().find(([start, end]) => start <= offset && offset < end);
        if (holder !== undefined && holder[0] < offset) reached.padded++; // first fit would start there: padding was kept free
        assert.ok(model.claim(offset, op.size), `alloc(${op.size}, ${alignment}) = ${offset}: not inside one free range of the model`);
        assert.equal(va.sizeOf(offset), op.size);
        live.push(offset);
        reached.allocs++;
        if (searched) reached.exactHits++;
      }
      if (searched) reached.exactSearches++;
    } else if (op.t === 'free') {
      if (live.length === 0) continue;
      const [offset] = live.splice(op.pick % live.length, 1);
      va.free(offset);
      assert.ok(model.free(offset));
    } else if (op.t === 'doubleFree') {
      const freed = model.freeRanges();
      if (freed.length === 0) continue;
      const [start] = freed[op.pick % freed.length];
      assert.throws(() => va.free(start), DoubleFreeError);
    } else if (op.t === 'grow') {
      va.grow(va.size + op.by);
      model.grow(model.size + op.by);
    }
    va.check();
    assert.deepEqual(freeRangesOf(va), model.freeRanges());
    assert.equal(va.stats().allocations, live.length);
  }
  for (const offset of live) va.free(offset);
  va.check();
  assert.deepEqual(va.ranges(), [{ offset: 0, size: va.size, state: 'free' }], 'freeing everything merges back into one range');
}

test('model: small spaces, any alignment up to 512, every refusal justified', () => {
  const reached: Reached = { allocs: 0, refusals: 0, exactSearches: 0, exactHits: 0, padded: 0 };
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3 }), fc.array(opArb(1, 9), { minLength: 1, maxLength: 200 }),
    (space, minAlignLog, ops) => runOps(space, minAlignLog, ops, reached),
  ), { numRuns: 1000 });
  // The generator must reach the paths that matter: refusals, the exact search succeeding, padding.
  assert.ok(reached.refusals > 20, `refusals reached: ${reached.refusals}`);
  assert.ok(reached.exactHits > 5, `exact-search hits reached: ${reached.exactHits}`);
  assert.ok(reached.padded > 20, `padded allocations reached: ${reached.padded}`);
});

test('model: offsets and sizes beyond 2^32 (units of 2^30: spaces up to 2^42, alignments up to 2^44)', () => {
  const reached: Reached = { allocs: 0, refusals: 0, exactSearches: 0, exactHits: 0, padded: 0 };
  const unit = 2 ** 30;
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 3000 }).map((s) => s * unit), fc.array(opArb(unit, 44), { minLength: 1, maxLength: 120 }),
    (space, ops) => runOps(space, 0, ops, reached),
  ), { numRuns: 200 });
  assert.ok(reached.allocs > 100 && reached.refusals > 5, JSON.stringify(reached));
});

test('model: a request that fits only a range in its own (rounded-down) list is served', () => {
  // Issue #15 quotes the Rust port's #9: a 513-unit allocator cannot serve one 513-unit request.
  for (const size of [1, 31, 32, 33, 513, 1000, 2 ** 20 + 1, 2 ** 32 + 3]) {
    const va = createVirtualAllocator({ size });
    assert.equal(va.alloc(size), 0, `the whole space of ${size} units in one request`);
    va.check();
  }
  // Free ranges of 33 units (list 32..33): a 33-unit request's good-fit list (34..35) is empty.
  const va = createVirtualAllocator({ size: 33 * 3 });
  const a = va.alloc(33), b = va.alloc(33), c = va.alloc(33);
  va.free(a);
  va.free(c);
  assert.deepEqual([va.alloc(33), va.alloc(33)].sort((x, y) => x - y), [0, 66]);
  assert.equal(va.alloc(1), -1);
  assert.equal(b, 33);
  va.check();
});

test('model: a full space grown by nothing stays full (a counterexample fast-check found in the model)', () => {
  const reached: Reached = { allocs: 0, refusals: 0, exactSearches: 0, exactHits: 0, padded: 0 };
  runOps(1, 0, [{ t: 'alloc', size: 1, alignLog: 0 }, { t: 'grow', by: 0 }, { t: 'alloc', size: 1, alignLog: 0 }], reached);
  assert.deepEqual(reached, { allocs: 1, refusals: 1, exactSearches: 1, exactHits: 0, padded: 0 });
});

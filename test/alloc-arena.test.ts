/**
 * The arena: the parts of the conformance suite that fit its contract (free of one block
 * is a checked no-op; memory comes back by release(mark) and reset()), checked against a
 * model on every backing, plus bad inputs, attach and check() catching corruption.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArenaHeap, attachHeap, createHeap, InvalidPointerError, type BackingKind, type HeapEvent } from '../src/index.js';
import { Hdr } from '../src/os/header.js';
import { flipBitsMissed, type MetaWord } from './support/bit-flips.js';
import { BACKINGS, Model, assertHeapMatches, assertPattern, assertPlacement, writePattern } from './support/heap-verify.js';

type Op =
  | { t: 'malloc'; size: number }
  | { t: 'aligned'; alignLog: number; size: number }
  | { t: 'realloc'; pick: number; size: number }
  | { t: 'free'; pick: number }
  | { t: 'mark' }
  | { t: 'release'; pick: number }
  | { t: 'reset' }
  | { t: 'trim'; pad: number };

const size = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 200 }) }, { weight: 2, arbitrary: fc.integer({ min: 201, max: 20000 }) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('malloc' as const), size }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('aligned' as const), alignLog: fc.integer({ min: 3, max: 12 }), size }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('realloc' as const), pick: fc.nat(), size }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ t: 'mark' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reset' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('trim' as const), pad: fc.constantFrom(0, 100, 5000) }) },
);

/**
 * The model: every block allocated since the last reset, in allocation order (an arena
 * frees nothing else), and the marks taken, each with how many blocks existed then.
 */
function runArena(heap: ArenaHeap, ops: readonly Op[], mayFail: boolean): void {
  const model = new Model();
  const order: number[] = [];
  const freed = new Set<number>(); // freed by the program; still allocated in the arena
  let marks: { mark: number; count: number }[] = [];
  const dropTo = (count: number): void => {
    for (const p of order.splice(count)) { model.remove(p); freed.delete(p); }
  };
  const add = (p: number, n: number, align: number, what: string): void => {
    if (p === 0 && mayFail) return;
    assertPlacement(heap, model, p, n, align, what);
    const fill = model.newFill();
    writePattern(heap, p, n, fill);
    model.add(p, n, fill, align);
    order.push(p);
  };
  const pickLive = (k: number): number => {
    const live = order.filter((p) => !freed.has(p));
    return live.length === 0 ? 0 : live[k % live.length];
  };
  ops.forEach((op, i) => {
    const what = `op ${i} ${JSON.stringify(op)}`;
    switch (op.t) {
      case 'malloc': add(heap.malloc(op.size), op.size, 8, what); break;
      case 'aligned': add(heap.alignedAlloc(2 ** op.alignLog, op.size), op.size, 2 ** op.alignLog, what); break;
      case 'free': {
        const p = pickLive(op.pick);
        if (p === 0) break;
        const before = heap.stats();
        heap.free(p);
        freed.add(p); // a no-op for the arena: the block stays, counted as live
        assert.equal(heap.stats().liveBlocks, before.liveBlocks, `${what}: free of one block does nothing`);
        break;
      }
      case 'realloc': {
        const p = pickLive(op.pick);
        if (p === 0 || op.size === 0) break;
        const b = model.live.get(p)!;
        const q = heap.realloc(p, op.size);
        if (q === 0) { assert.ok(mayFail, `${what}: realloc failed`); assertPattern(heap, p, b.size, b.fill, what); break; }
        const keep = Math.min(b.size, op.size);
        assertPattern(heap, q, keep, b.fill, `${what}: contents kept`);
        if (q === p) {
          model.remove(p);
          model.add(p, op.size, b.fill);
          writePattern(heap, p, op.size, b.fill, keep);
        } else {
          freed.add(p); // the old block stays until released
          const fill = model.newFill();
          writePattern(heap, q, op.size, fill);
          model.add(q, op.size, fill);
          order.push(q);
        }
        break;
      }
      case 'mark': marks.push({ mark: heap.mark(), count: order.length }); break;
      case 'release': {
        if (marks.length === 0) break;
        const m = marks[op.pick % marks.length];
        heap.release(m.mark);
        dropTo(m.count);
        marks = marks.filter((x) => x.mark <= m.mark);
        break;
      }
      case 'reset': heap.reset(); dropTo(0); marks = []; break;
      case 'trim': heap.trim(op.pad); break;
    }
    heap.check();
    if (i % 8 === 7) assertHeapMatches(heap, model, what);
  });
  assertHeapMatches(heap, model, 'after the sequence');
  heap.reset();
  dropTo(0);
  heap.trim();
  assertHeapMatches(heap, model, 'after reset and trim');
  const s = heap.stats();
  assert.equal(s.liveBlocks, 0);
  assert.equal(s.heapSize, heap.staticBase + Math.ceil(s.staticSize / 8) * 8, 'reset and trim give everything back');
}

for (const backing of BACKINGS) {
  test(`arena model: ${backing} backing, random sequences with marks, releases and resets`, () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), fc.constantFrom(0, 1000), (ops, staticSize) => {
      const heap = createHeap({ allocator: 'arena', backing, staticSize, maxSize: 64 << 20 }) as ArenaHeap;
      runArena(heap, ops, false);
    }), { numRuns: backing === 'arraybuffer' ? 150 : 50 });
  });
}

test('arena model: a small maxSize: a 0 return leaves every block intact, and release makes room again', () => {
  fc.assert(fc.property(fc.constantFrom(...BACKINGS), fc.array(opArb, { minLength: 50, maxLength: 150 }), (backing, ops) => {
    const heap = createHeap({ allocator: 'arena', backing, maxSize: 65536 }) as ArenaHeap;
    runArena(heap, ops, true);
  }), { numRuns: 40, includeErrorInReport: true });
  const heap = createHeap({ allocator: 'arena', maxSize: 65536 }) as ArenaHeap;
  const m = heap.mark();
  while (heap.malloc(1000) !== 0);
  heap.release(m);
  assert.notEqual(heap.malloc(1000), 0, 'room again after release');
});

test('createHeap({ allocator: "arena" }) is an ArenaHeap; free of one block does nothing, but is checked', () => {
  const heap = createHeap({ allocator: 'arena' });
  assert.ok(heap instanceof ArenaHeap);
  const arena = heap as ArenaHeap;
  const a = arena.malloc(10);
  const m = arena.mark();
  const b = arena.malloc(10);
  arena.free(b);
  arena.free(b); // still allocated: freeing it again is no error either
  assert.equal(arena.stats().liveBlocks, 2);
  assert.equal(arena.malloc(10) > b, true, 'a freed block is not reused before a release');
  arena.release(m);
  assert.throws(() => arena.free(b), (e: unknown) => e instanceof InvalidPointerError && /released/.test(e.message), 'free after release');
  assert.throws(() => arena.usableSize(b), InvalidPointerError);
  arena.reset();
  assert.throws(() => arena.free(a), (e: unknown) => e instanceof InvalidPointerError && /released/.test(e.message), 'free after reset');
  arena.check();
});

test('bad pointers and bad marks are refused naming why; nothing changes', () => {
  const arena = createHeap({ allocator: 'arena' }) as ArenaHeap;
  const a = arena.malloc(40);
  arena.malloc(40);
  const before = JSON.stringify(arena.blocks());
  for (const [p, why] of [['x', /not a number/], [a + 0.5, /not an integer/], [a + 4, /misaligned/], [a + 8, /not the start of a block/], [8, /outside/], [a + 1000, /never returned/]] as const) {
    for (const op of ['free', 'usableSize'] as const) {
      assert.throws(() => (arena[op] as (x: unknown) => unknown)(p), (e: unknown) => e instanceof InvalidPointerError && why.test(e.message), `${op}(${String(p)})`);
    }
    assert.throws(() => arena.realloc(p as number, 8), InvalidPointerError);
  }
  assert.throws(() => arena.release(a + 8), /not a mark/);
  assert.throws(() => arena.release(arena.mark() + 64), /above the allocation point/);
  assert.throws(() => arena.release(-1), RangeError);
  assert.throws(() => arena.release('0' as unknown as number), TypeError);
  assert.equal(JSON.stringify(arena.blocks()), before);
  arena.check();
});

test('realloc: a block allocated after the last mark moves rather than grow across it', () => {
  const arena = createHeap({ allocator: 'arena' }) as ArenaHeap;
  const a = arena.malloc(16);
  const m = arena.mark();
  const b = arena.realloc(a, 100);
  assert.notEqual(b, a, 'a grows across the mark: it moves');
  assert.equal(arena.realloc(b, 200), b, 'b, after the mark, grows in place');
  arena.release(m);
  assert.equal(arena.usableSize(a), 16);
  arena.check();
});

test('realloc: the last block grows in place; another block shrinks in place or moves', () => {
  const arena = createHeap({ allocator: 'arena' }) as ArenaHeap;
  const a = arena.malloc(16);
  const b = arena.malloc(16);
  assert.equal(arena.realloc(b, 5000), b, 'the last block grows in place');
  assert.equal(arena.realloc(b, 8), b, 'and shrinks in place');
  assert.equal(arena.realloc(a, 8), a, 'a block inside shrinks in place');
  const c = arena.realloc(a, 100);
  assert.ok(c > b, 'a block inside moves to grow');
  assert.deepEqual(arena.blocks().map((x) => x.state), ['used', 'metadata', 'used', 'used', 'top']);
  arena.check();
});

test('events: release and reset say how many blocks went', () => {
  const arena = createHeap({ allocator: 'arena' }) as ArenaHeap;
  const events: HeapEvent[] = [];
  arena.onEvent((e) => events.push(e));
  arena.malloc(1);
  const m = arena.mark();
  arena.malloc(1);
  arena.malloc(1);
  arena.release(m);
  arena.reset();
  const releases = events.filter((e) => e.type === 'arena-release');
  assert.deepEqual(releases.map((e) => e.type === 'arena-release' && [e.mark - m, e.blocks]), [[0, 2], [-16, 1]]);
});

test('attachHeap: a second Heap is an ArenaHeap over the same blocks and marks', () => {
  for (const backing of ['resizable', 'shared', 'wasm'] as BackingKind[]) {
    const arena = createHeap({ allocator: 'arena', backing }) as ArenaHeap;
    arena.malloc(100);
    const m = arena.mark();
    const p = arena.malloc(100);
    const other = attachHeap(arena.memory) as ArenaHeap;
    assert.ok(other instanceof ArenaHeap);
    assert.equal(other.mark(), arena.mark());
    assert.equal(other.usableSize(p), 104);
    other.release(m);
    assert.throws(() => arena.free(p), InvalidPointerError, 'the release is seen by the first Heap');
    arena.check();
  }
});

test('arena: check() catches every single-bit flip of the block headers and the allocation point', () => {
  const arena = createHeap({ allocator: 'arena', trimThreshold: 2 ** 31 }) as ArenaHeap;
  for (let i = 0; i < 60; i++) {
    const p = i % 7 === 0 ? arena.alignedAlloc(64, i) : arena.malloc(i * 3);
    arena.u8.fill(0xff, p, p + i);
  }
  arena.mark();
  arena.malloc(5);
  const words: MetaWord[] = [{ word: Hdr.HEADER_BYTES >>> 2, what: 'allocation point' }];
  for (const b of arena.blocks()) {
    if (b.state === 'top') continue;
    words.push({ word: b.offset >>> 2, what: `header of the ${b.state} block at ${b.offset}` });
    if (b.size >= 16) words.push({ word: (b.offset + 4) >>> 2, what: `second word of the ${b.state} block at ${b.offset}` });
  }
  assert.deepEqual(flipBitsMissed(arena, words), []);
  // the last mark may be any block boundary: one that is not is caught
  const saved = arena.u32[(Hdr.HEADER_BYTES >>> 2) + 1];
  arena.u32[(Hdr.HEADER_BYTES >>> 2) + 1] = saved + 8;
  assert.throws(() => arena.check(), /last mark/);
  arena.u32[(Hdr.HEADER_BYTES >>> 2) + 1] = saved;
  arena.check();
});

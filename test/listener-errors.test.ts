/**
 * Issue #14, finding 3: a listener that throws must never damage the heap. Before the
 * fix, `heap.onEvent(e => { if (e.type === 'grow') throw ... })` left the heap corrupt
 * ("chunk size 0", "counter liveBlocks ...") and realloc had already freed the old block.
 *
 * For every policy, in plain and debug mode: each event type the policy emits gets a
 * listener that throws on it; random calls run against a model of the live blocks. Every
 * call either returns normally or throws a ListenerError whose `result` is the call's
 * result, and the heap stays exactly what the model says: check() passes, every live
 * block keeps its bytes, nothing returned overlaps a live block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArenaHeap, createHeap, heapErrorCode, HeapError, ListenerError, type AllocatorName, type Heap, type HeapEvent } from '../src/index.js';
import { assertAllContents, assertPlacement, Model, patternByte, writePattern } from './support/heap-verify.js';
import { mulberry32 } from '../bench/prng.js';

const POLICIES: readonly AllocatorName[] = ['segfit', 'tlsf', 'pages', 'buddy', 'first-fit', 'next-fit', 'best-fit', 'pool', 'arena'];
const OPS = 300;

class Boom extends Error {
  override name = "Error";
}

function makeHeap(allocator: AllocatorName, debug: boolean): Heap {
  return createHeap({
    allocator, maxSize: 16 << 20, mmapThreshold: 16384, trimThreshold: 8192,
    ...(allocator === 'pool' ? { blockSize: 256 } : {}),
    ...(debug ? { debug: { stacks: false, leaksAtExit: false, quarantineSize: 4096 } } : {}),
  });
}

/**
 * Runs `OPS` random calls, keeping `model` true. A call that throws must throw a
 * ListenerError caused by a Boom; its `result` is used as the call's result.
 * Returns how many calls threw.
 */
function randomCalls(heap: Heap, model: Model, seed: number, allocator: AllocatorName): number {
  const rnd = mulberry32(seed);
  let threw = 0;
  const maxSize = allocator === 'pool' ? 256 : 40000;
  const size = (): number => (rnd() < 0.85 ? 1 + Math.floor(rnd() * 300) : 1 + Math.floor(rnd() * maxSize));
  let mark = -1;
  for (let i = 0; i < OPS; i++) {
    const r = rnd();
    const what = `seed ${seed} op ${i}`;
    const call = <T>(fn: () => T): { value: T | number | undefined; error: ListenerError | null } => {
      try {
        return { value: fn(), error: null };
      } catch (e) {
        assert.ok(e instanceof ListenerError, `${what}: threw ${String(e)}, not a ListenerError`);
        assert.ok(e.cause instanceof Boom, `${what}: the ListenerError's cause is not the listener's exception`);
        assert.equal(heapErrorCode(e), 'LISTENER_ERROR');
        threw++;
        return { value: e.result, error: e };
      }
    };
    if (r < 0.4 || model.live.size === 0) {
      const n = size();
      const zero = rnd() < 0.2;
      const { value } = call(() => (zero ? heap.calloc(1, n) : heap.malloc(n)));
      const p = value as number;
      if (p === 0) continue;
      assertPlacement(heap, model, p, n, 8, what);
      if (zero) assert.ok(heap.u8.subarray(p, p + n).every((b) => b === 0), `${what}: calloc's block is not zeroed`);
      const fill = model.newFill();
      writePattern(heap, p, n, fill);
      model.add(p, n, fill);
    } else if (r < 0.47 && allocator !== 'pool') {
      const n = size();
      const align = 2 ** (3 + Math.floor(rnd() * 6));
      const p = call(() => heap.alignedAlloc(align, n)).value as number;
      if (p === 0) continue;
      assertPlacement(heap, model, p, n, align, what);
      const fill = model.newFill();
      writePattern(heap, p, n, fill);
      model.add(p, n, fill, align);
    } else if (r < 0.75) {
      const p = model.pick(Math.floor(rnd() * 1e9));
      call(() => heap.free(p));
      model.remove(p);
    } else if (r < 0.93) {
      const p = model.pick(Math.floor(rnd() * 1e9));
      const n = size();
      const q = call(() => heap.realloc(p, n)).value as number;
      if (q === 0) continue; // failed: the old block is still live
      const old = model.remove(p);
      assertPlacement(heap, model, q, n, 8, what);
      const keep = Math.min(old.size, n);
      for (let k = 0; k < keep; k++) {
        if (heap.u8[q + k] !== patternByte(old.fill, k)) assert.fail(`${what}: realloc lost byte ${k} of the block`);
      }
      writePattern(heap, q, n, old.fill, keep);
      model.add(q, n, old.fill);
    } else if (r < 0.96) {
      call(() => heap.trim(0));
    } else if (heap instanceof ArenaHeap) {
      if (mark < 0) {
        mark = heap.mark();
        continue;
      }
      call(() => heap.release(mark));
      for (const p of [...model.live.keys()]) if (p >= mark) model.remove(p);
      mark = -1;
    }
  }
  return threw;
}

const SEEDS = [1, 2, 3];

/** The event types a policy emits under the random calls of SEEDS (a listener that only records). */
function eventTypes(allocator: AllocatorName, debug: boolean): string[] {
  const seen = new Set<string>();
  for (const seed of SEEDS) {
    const heap = makeHeap(allocator, debug);
    heap.onEvent((e: HeapEvent) => seen.add(e.type));
    randomCalls(heap, new Model(), seed, allocator);
  }
  return [...seen].sort();
}

for (const allocator of POLICIES) {
  for (const debug of [false, true]) {
    const types = eventTypes(allocator, debug);
    const name = `${allocator}${debug ? ' (debug mode)' : ''}`;
    test(`${name}: the random calls reach the policy's events (${types.join(', ')})`, () => {
      const expected = ['malloc', 'grow', 'done', ...(allocator === 'arena' ? [] : ['free']), ...(allocator === 'pool' ? [] : ['realloc', 'trim'])];
      for (const t of expected) assert.ok(types.includes(t), `no '${t}' event among ${types.join(', ')}`);
      if (allocator === 'arena' && !debug) assert.ok(types.includes('arena-release'));
      if (allocator === 'segfit' || allocator === 'pages') assert.ok(types.includes('map') && types.includes('unmap'));
    });
    test(`${name}: a listener throwing on any event leaves the heap intact`, () => {
      for (const type of types) {
        let threwTotal = 0;
        for (const seed of SEEDS) {
          const heap = makeHeap(allocator, debug);
          const model = new Model();
          heap.onEvent((e: HeapEvent) => { if (e.type === type) throw new Boom(`listener of '${type}'`); });
          threwTotal += randomCalls(heap, model, seed, allocator);
          heap.check();
          assertAllContents(heap, model, `'${type}' seed ${seed}`);
          if (allocator !== 'arena') assert.equal(heap.stats().liveBlocks, model.live.size, `'${type}' seed ${seed}: live blocks`);
        }
        assert.ok(threwTotal > 0, `a listener throwing on '${type}' was never reached`);
      }
    });
  }
}

test('a ListenerError says what the call returned; the other listeners still get every event', () => {
  const heap = createHeap();
  const seen: string[] = [];
  const off = heap.onEvent((e) => { if (e.type === 'grow') throw new Boom('no'); });
  heap.onEvent((e) => seen.push(e.type));
  const err = (() => {
    try {
      heap.malloc(100);
    } catch (e) {
      return e;
    }
    return assert.fail('malloc did not throw the listener\'s error');
  })();
  assert.ok(err instanceof ListenerError && err instanceof HeapError);
  assert.equal(err.operation, 'malloc');
  assert.equal(err.event, 'grow');
  assert.ok(err.cause instanceof Boom);
  assert.ok(typeof err.result === 'number' && err.result > 0);
  assert.match(err.message, /^\[LISTENER_ERROR\] malloc: an event listener threw on the 'grow' event \(Error: no\); the call completed and returned \d+, which is live/);
  assert.ok(seen.includes('grow') && seen.includes('done'), `the second listener saw ${seen.join(', ')}`);
  assert.equal(heap.usableSize(err.result) >= 100, true);
  heap.free(err.result);
  heap.check();
  off();
  assert.equal(heap.stats().liveBlocks, 0);
  // the next call is not charged with the old error
  const p = heap.malloc(200000);
  assert.ok(p > 0);
  heap.free(p);
  heap.check();
});

/**
 * Debug mode, property-based: random correct programs report nothing (no false
 * positives), on every backing; every single-byte corruption of a redzone or of a
 * quarantined block is caught by check(), at the right address and block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, HeapDebugError, type BackingKind, type DebugHeap } from '../src/index.js';

const BACKINGS: readonly BackingKind[] = ['arraybuffer', 'resizable', 'shared', 'wasm'];

type Op =
  | { op: 'malloc'; size: number }
  | { op: 'calloc'; count: number; size: number }
  | { op: 'aligned'; alignment: number; size: number }
  | { op: 'realloc'; pick: number; size: number }
  | { op: 'free'; pick: number }
  | { op: 'write'; pick: number; at: number; value: number }
  | { op: 'raw'; pick: number; at: number; value: number }
  | { op: 'read'; pick: number; at: number }
  | { op: 'check' };

const size = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 5000 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('malloc' as const), size }),
  fc.record({ op: fc.constant('calloc' as const), count: fc.integer({ min: 0, max: 20 }), size: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('aligned' as const), alignment: fc.constantFrom(8, 16, 64, 4096), size }),
  fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size }),
  fc.record({ op: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('write' as const), pick: fc.nat(), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('raw' as const), pick: fc.nat(), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('read' as const), pick: fc.nat(), at: fc.nat() }),
  fc.constant({ op: 'check' as const }),
);

interface Live { ptr: number; size: number; defined: Map<number, number> }

/** Runs a correct program (only in-bounds accesses, reads of written bytes, one free per block). */
function runCorrect(heap: DebugHeap, ops: readonly Op[]): void {
  const live: Live[] = [];
  const c = heap.checked();
  const adopt = (ptr: number, n: number, zero: boolean) => {
    assert.notEqual(ptr, 0);
    const defined = new Map<number, number>();
    if (zero) for (let i = 0; i < n; i++) defined.set(i, 0);
    live.push({ ptr, size: n, defined });
  };
  for (const o of ops) {
    const target = live.length > 0 && 'pick' in o ? live[o.pick % live.length] as Live : undefined;
    switch (o.op) {
      case 'malloc': adopt(heap.malloc(o.size), o.size, false); break;
      case 'calloc': adopt(heap.calloc(o.count, o.size), o.count * o.size, true); break;
      case 'aligned': {
        const p = heap.alignedAlloc(o.alignment, o.size);
        assert.equal(p % o.alignment, 0);
        adopt(p, o.size, false);
        break;
      }
      case 'realloc': {
        if (!target) break;
        const q = heap.realloc(target.ptr, o.size);
        live.splice(live.indexOf(target), 1);
        if (o.size === 0) { assert.equal(q, 0); break; }
        const defined = new Map([...target.defined].filter(([i]) => i < o.size));
        live.push({ ptr: q, size: o.size, defined });
        for (const [i, v] of defined) assert.equal(c.getUint8(q + i), v);
        break;
      }
      case 'free':
        if (!target) break;
        heap.free(target.ptr);
        live.splice(live.indexOf(target), 1);
        break;
      case 'write':
        if (!target || target.size === 0) break;
        c.setUint8(target.ptr + (o.at % target.size), o.value);
        target.defined.set(o.at % target.size, o.value);
        break;
      case 'raw': // through heap.u8, then declared
        if (!target || target.size === 0) break;
        heap.u8[target.ptr + (o.at % target.size)] = o.value;
        heap.markDefined(target.ptr + (o.at % target.size), 1);
        target.defined.set(o.at % target.size, o.value);
        break;
      case 'read': {
        if (!target || target.defined.size === 0) break;
        const keys = [...target.defined.keys()];
        const k = keys[o.at % keys.length] as number;
        assert.equal(c.getUint8(target.ptr + k), target.defined.get(k));
        break;
      }
      case 'check': heap.check(); break;
    }
  }
  heap.check();
  const stats = heap.stats();
  assert.equal(stats.liveBlocks, live.length);
  assert.equal(stats.liveBytes, live.reduce((s, l) => s + l.size, 0));
  for (const l of live) assert.equal(heap.usableSize(l.ptr), l.size);
  assert.deepEqual(heap.leaks().map((l) => l.ptr).sort((a, b) => a - b), live.map((l) => l.ptr).sort((a, b) => a - b));
  for (const l of live) heap.free(l.ptr);
  heap.flushQuarantine();
  heap.check();
  assert.deepEqual(heap.leaks(), []);
}

test('random correct programs report nothing (collect mode, every backing)', () => {
  fc.assert(fc.property(
    fc.constantFrom(...BACKINGS), fc.constantFrom(0, 2048, 1 << 20), fc.boolean(), fc.array(opArb, { minLength: 20, maxLength: 150 }),
    (backing, quarantineSize, stacks, ops) => {
      const heap = createHeap({ backing, maxSize: 1 << 26, debug: { onError: 'collect', quarantineSize, stacks } });
      runCorrect(heap, ops);
      assert.deepEqual(heap.reports().map(String), []);
    },
  ), { numRuns: 150 });
});

test('random correct programs do not throw in throw mode', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 20, maxLength: 200 }), (ops) => {
    runCorrect(createHeap({ debug: { stacks: false, quarantineSize: 4096 } }), ops);
  }), { numRuns: 100 });
});

/** The error check() throws, or a failure if it passes. */
function checkError(heap: DebugHeap): HeapDebugError {
  try {
    heap.check();
  } catch (error) {
    if (error instanceof HeapDebugError) return error;
    throw error;
  }
  assert.fail('check() found nothing');
}

test('every single-byte corruption of a redzone is caught by check()', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 12 }),
    fc.nat(), fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 255 }).filter((v) => v !== 0xfa),
    fc.constantFrom(8, 16, 32),
    (sizes, pick, offset, left, value, redzone) => {
      const heap = createHeap({ debug: { stacks: false, redzone } });
      const ptrs = sizes.map((n) => heap.malloc(n));
      const i = pick % ptrs.length;
      const p = ptrs[i] as number;
      const n = sizes[i] as number;
      // left redzone: [p - redzone, p); right: [p + n, p + n + redzone) at least
      const at = left ? p - 1 - (offset % redzone) : p + n + (offset % redzone);
      const old = heap.u8[at] as number;
      heap.u8[at] = value;
      const error = checkError(heap);
      assert.equal(error.report.kind, left ? 'heap-buffer-underflow' : 'heap-buffer-overflow');
      assert.equal(error.report.address, at);
      assert.deepEqual(error.report.block, { ptr: p, size: n });
      heap.u8[at] = old;
      heap.check();
    },
  ), { numRuns: 300 });
});

test('every single-byte corruption of a quarantined block is caught by check()', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }),
    fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }).filter((v) => v !== 0xfd),
    (sizes, pick, offset, value) => {
      const heap = createHeap({ debug: { stacks: false } });
      const ptrs = sizes.map((n) => heap.malloc(n));
      for (const p of ptrs) heap.free(p);
      const i = pick % ptrs.length;
      const p = ptrs[i] as number;
      const at = p + (offset % (sizes[i] as number));
      heap.u8[at] = value;
      const error = checkError(heap);
      assert.equal(error.report.kind, 'heap-use-after-free');
      assert.equal(error.report.address, at);
      assert.deepEqual(error.report.block, { ptr: p, size: sizes[i] });
      heap.u8[at] = 0xfd;
      heap.check();
    },
  ), { numRuns: 300 });
});

test('out of memory: the quarantine is flushed and the request retried', () => {
  const heap = createHeap({ maxSize: 1 << 20, initialSize: 1 << 16, debug: { quarantineSize: 1 << 22, stacks: false } });
  // Each block fits only once the previous ones left quarantine.
  for (let i = 0; i < 20; i++) {
    const p = heap.malloc(400_000);
    assert.notEqual(p, 0, `allocation ${i}`);
    heap.free(p);
  }
  assert.equal(heap.malloc(2 << 20), 0, 'a request that can never fit still fails');
  const throwing = createHeap({ maxSize: 1 << 20, onOutOfMemory: 'throw', debug: true });
  assert.throws(() => throwing.malloc(2 << 20), { code: 'OUT_OF_MEMORY' });
});

/**
 * The resizable backing gives memory back: an explicit trim() shrinks the buffer to the
 * break (never below initialSize); automatic trims keep a decaying high-water mark so that a
 * heap that empties and refills does not shrink and regrow its buffer every time (issue #16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attachHeap, createHeap, type Heap } from '../src/index.js';
import { churn } from './support/churn.js';

const MiB = 1024 * 1024;

function byteLength(heap: Heap): number {
  return (heap.memory as ArrayBuffer).byteLength;
}

/** What an explicit trim must leave: the break rounded up to 4 KiB pages, at least initialSize. */
function trimmedLength(heap: Heap, initialSize: number): number {
  return Math.max(initialSize, Math.ceil(heap.stats().heapSize / 4096) * 4096);
}

function fillAndFree(heap: Heap, blocks: number, size: number): void {
  const ps: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const p = heap.malloc(size);
    assert.notEqual(p, 0, `malloc(${size}) #${i}`);
    ps.push(p);
  }
  for (const p of ps) heap.free(p);
}

test('trim() after 20 MB of blocks are freed leaves the resizable buffer at most 2 MiB (issue: it stayed 33,554,432)', () => {
  // A trimThreshold above the heap's size: no automatic trim, trim() does all of it.
  for (const trimThreshold of [64 * MiB, 2 ** 32 - 1]) {
    const heap = createHeap({ backing: 'resizable', trimThreshold });
    fillAndFree(heap, 20000, 1000);
    assert.ok(byteLength(heap) >= 20 * MiB, `grew to ${byteLength(heap)}`);
    const released = heap.trim();
    assert.ok(released >= 20000 * 1000, `trim() returned ${released}`);
    assert.ok(byteLength(heap) <= 2 * MiB, `trimThreshold ${trimThreshold}: byteLength ${byteLength(heap)} after trim()`);
    assert.equal(byteLength(heap), trimmedLength(heap, 65536));
    const s = heap.stats();
    assert.equal(s.backingSize, byteLength(heap));
    assert.ok(s.osShrinks >= 1, 'osShrinks counted');
    heap.check();
  }
});

test('with default options, trim() shrinks the buffer to initialSize once the heap is small (issue: 135,168 for a 600-byte heap)', () => {
  const heap = createHeap({ backing: 'resizable' });
  fillAndFree(heap, 20000, 1000);
  heap.trim();
  assert.ok(heap.stats().heapSize < 4096, `heapSize ${heap.stats().heapSize}`);
  assert.equal(byteLength(heap), 65536);
  // and a larger initialSize is the floor
  const big = createHeap({ backing: 'resizable', initialSize: 1 * MiB });
  fillAndFree(big, 5000, 1000);
  big.trim();
  assert.equal(byteLength(big), 1 * MiB);
});

test('trim(pad) keeps pad bytes above the break, and the buffer follows the break', () => {
  const heap = createHeap({ backing: 'resizable', trimThreshold: 2 ** 32 - 1 });
  fillAndFree(heap, 4000, 1000);
  heap.trim(512 * 1024);
  const s = heap.stats();
  assert.ok(s.heapSize >= 512 * 1024, `heapSize ${s.heapSize} keeps the pad`);
  assert.equal(byteLength(heap), trimmedLength(heap, 65536));
  const p = heap.malloc(400 * 1024); // fits in the pad: no growth
  assert.notEqual(p, 0);
  assert.equal(heap.stats().osGrows, s.osGrows);
  heap.free(p);
  heap.check();
});

test('a heap that empties and refills keeps its buffer: the churn workload resizes it a bounded number of times', () => {
  // Before: every round shrank the buffer on emptying and grew it again on refilling
  // (about 6 grows and 1 shrink per round).
  const rounds = 150;
  const heap = createHeap({ backing: 'resizable' });
  churn(heap, rounds);
  const s = heap.stats();
  assert.ok(s.osGrows + s.osShrinks <= 40, `${rounds} rounds: ${s.osGrows} grows, ${s.osShrinks} shrinks`);
  // the memory is still there to give back on request
  heap.trim();
  assert.equal(byteLength(heap), trimmedLength(heap, 65536));
  heap.check();
});

test('automatic trims give most of the memory back when the heap stays small', () => {
  const heap = createHeap({ backing: 'resizable' });
  const ps: number[] = [];
  for (let i = 0; i < 256; i++) ps.push(heap.malloc(64 * 1024 - 64));
  const grown = byteLength(heap);
  for (const p of ps.reverse()) heap.free(p); // from the top down: one automatic trim per few frees
  assert.ok(byteLength(heap) <= grown / 4, `byteLength ${grown} -> ${byteLength(heap)} with no trim() call`);
  heap.check();
});

test('an attached Heap sees the buffer shrink after trim() and keeps working', () => {
  const a = createHeap({ backing: 'resizable', trimThreshold: 2 ** 32 - 1 });
  const b = attachHeap(a.memory as ArrayBuffer);
  const keep = a.malloc(100);
  fillAndFree(b, 5000, 1000);
  a.trim();
  assert.ok(byteLength(a) <= 2 * MiB);
  assert.equal(b.stats().backingSize, byteLength(a));
  const q = b.malloc(200);
  b.u8[q] = 7;
  assert.equal(a.u8[q], 7);
  b.free(q);
  a.free(keep);
  b.check();
});

test('property: after any ops, trim() leaves the buffer at max(initialSize, break rounded to 4 KiB), never below the break', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('malloc' as const), size: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 4096, max: 300000 })) }),
    fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('trim' as const), pad: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200000 })) }),
  );
  fc.assert(fc.property(
    fc.array(op, { maxLength: 120 }), fc.constantFrom(0, 4096, 128 * 1024, 2 ** 32 - 1), fc.constantFrom(0, 65536, 300000),
    (ops, trimThreshold, initialSize) => {
      const heap = createHeap({ backing: 'resizable', trimThreshold, initialSize, maxSize: 256 * MiB });
      const initial = byteLength(heap);
      const live: number[] = [];
      for (const o of ops) {
        if (o.kind === 'malloc') {
          const p = heap.malloc(o.size);
          assert.notEqual(p, 0);
          live.push(p);
        } else if (o.kind === 'free') {
          if (live.length > 0) heap.free(live.splice(o.pick % live.length, 1)[0] as number);
        } else {
          heap.trim(o.pad);
          assert.equal(byteLength(heap), trimmedLength(heap, initial), `after trim(${o.pad})`);
        }
        const s = heap.stats();
        assert.ok(byteLength(heap) >= s.heapSize, `byteLength ${byteLength(heap)} below the break ${s.heapSize}`);
        assert.ok(byteLength(heap) >= initial, 'never below initialSize');
        assert.equal(s.backingSize, byteLength(heap));
      }
      for (const p of live) heap.free(p);
      heap.trim();
      assert.equal(byteLength(heap), trimmedLength(heap, initial));
      heap.check();
    },
  ), { numRuns: 60 });
});

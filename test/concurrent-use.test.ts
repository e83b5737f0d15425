/**
 * Issue #14, finding 8: a heap made for one thread, in shared memory, used from two
 * threads at once. Before the fix, two workers that attachHeap(memory) and malloc/free
 * concurrently overwrote each other's blocks within a fraction of a second and check()
 * failed. Now every call takes the header's busy word (src/heap/busy-word.ts): a call
 * that finds it taken throws HeapError CONCURRENT_USE naming createSharedHeap, before it
 * changes anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { attachHeap, createHeap, HeapError, heapErrorCode } from '../src/index.js';
import type { BusyWorkerData, BusyWorkerResult } from './support/busy-worker.js';

const WORKER_URL = new URL('./support/busy-worker.js', import.meta.url);
/** Calls per worker at most: a run ends at the first refusal, long before this. */
const ITERATIONS = 2_000_000;

function runWorker(data: BusyWorkerData): Promise<BusyWorkerResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: { kind: 'busy', ...data } });
    w.once('message', (m: BusyWorkerResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`worker exited with ${code}`)); });
  });
}

async function hammer(memory: SharedArrayBuffer): Promise<BusyWorkerResult[]> {
  const control = new SharedArrayBuffer(8);
  // (attachHeap in both workers at once: the attach walk does not take turns)
  return Promise.all([0, 1].map((index) => runWorker({ memory, control, index, workers: 2, iterations: ITERATIONS })));
}

for (const allocator of ['segfit', 'tlsf'] as const) {
  test(`${allocator}: two workers calling one 'shared' heap at once: one is refused with CONCURRENT_USE, nothing is damaged`, async () => {
    const heap = createHeap({ backing: 'shared', allocator, maxSize: 64 << 20 });
    const results = await hammer(heap.memory as SharedArrayBuffer);
    const refused = results.map((r) => r.refused).filter((m) => m !== null);
    assert.ok(refused.length > 0, `no call was refused in ${results.map((r) => r.calls).join(' + ')} calls`);
    assert.match(refused[0] as string, /^\[CONCURRENT_USE\] \w+: another call is running on this heap.*createSharedHeap\(\)/);
    assert.deepEqual(results.flatMap((r) => r.damaged), []);
    // Both workers have stopped (their messages happen-before this): the heap is whole.
    heap.check();
    for (const r of results) {
      for (const [p, n, fill] of r.held) {
        assert.ok(heap.u8.subarray(p, p + n).every((b) => b === fill), `block ${p} lost its bytes`);
        heap.free(p);
      }
    }
    heap.check();
    assert.equal(heap.stats().liveBlocks, 0);
  });
}

test('the busy word is taken only inside a call: sequential use from several Heaps, debug mode and arenas is never refused', () => {
  for (const debug of [false, true]) {
    const heap = createHeap({ backing: 'shared', debug });
    const other = attachHeap(heap.memory as SharedArrayBuffer);
    // (a debug heap's pointers are its own: the attached plain Heap frees only its blocks)
    const p = heap.malloc(100);
    const q = heap.realloc(p, 5000);
    other.free(other.realloc(other.malloc(10), 300));
    assert.ok(heap.usableSize(heap.calloc(1, 7)) >= 7);
    heap.free(q);
    heap.trim();
    heap.check();
    other.check();
  }
  const arena = createHeap({ backing: 'shared', allocator: 'arena' });
  const m = arena.mark();
  arena.malloc(64);
  arena.release(m);
  arena.reset();
  arena.check();
});

test('a listener calling back into a shared-memory heap during an event is refused, and the heap stays whole', () => {
  const heap = createHeap({ backing: 'shared' });
  let inner: unknown = null;
  heap.onEvent((e) => {
    if (e.type === 'done' && inner === null) {
      inner = 'pending';
      heap.malloc(8); // reentrant: the outer malloc is half-way
    }
  });
  const err = (() => {
    try {
      heap.malloc(64);
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.equal(heapErrorCode(err), 'LISTENER_ERROR');
  assert.equal(heapErrorCode((err as HeapError & { cause: unknown }).cause), 'CONCURRENT_USE');
  heap.check();
  assert.equal(heap.stats().liveBlocks, 1);
});

test('unshared memory has no busy word in the way: only a heap in shared memory has one', () => {
  const busyOf = (heap: unknown): unknown => (heap as { busy: unknown }).busy;
  for (const backing of ['arraybuffer', 'resizable', 'wasm'] as const) assert.equal(busyOf(createHeap({ backing })), null, backing);
  assert.ok(busyOf(createHeap({ backing: 'shared' })) instanceof Int32Array);
  const wasm = createHeap({ backing: 'wasm', memory: new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true }) });
  assert.ok(busyOf(wasm) instanceof Int32Array);
});

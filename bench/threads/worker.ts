/**
 * One benchmark thread (compiled to .build/bench/threads/worker.js). Runs one
 * workload against one allocator design for warmMs + runMs, counting malloc and
 * free calls; only the calls inside the measured window count.
 *
 *   larson   every thread keeps SLOTS blocks of 8..1000 bytes and replaces a random
 *            one at each step (free + malloc, the new block touched at both ends).
 *            With 2+ threads, 10% of the replaced blocks go into a shared exchange
 *            array (Atomics.exchange) and the block found there (usually another
 *            thread's) is freed instead: some blocks are freed by other threads.
 *   xmalloc  every thread produces: mallocs a batch of 64 blocks of 8..512 bytes,
 *            touches them and pushes them into a ring to the next thread; and
 *            consumes: pops what the previous thread produced and frees it. With
 *            2+ threads every free is a cross-thread free (1 thread: its own ring).
 *
 * Designs: 'threads' (createSharedHeap + attachHeap: per-thread arenas),
 * 'lock' (global-lock.ts), 'single' (the core heap alone, no lock: 1 thread only).
 */
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { attachHeap, createHeap } from '../../src/index.js';
import { LockedHeap } from './global-lock.js';

export type Design = 'threads' | 'lock' | 'single';
export type Workload = 'larson' | 'xmalloc';

export interface BenchWorkerData {
  design: Design;
  workload: Workload;
  memory: SharedArrayBuffer | null;
  /** Control block: [0] start flag, then the exchange slots, then the rings. */
  control: SharedArrayBuffer;
  index: number;
  workers: number;
  warmMs: number;
  runMs: number;
  seed: number;
  /**
   * xmalloc only, 2+ threads: a bound experiment instead of real cross-thread frees
   * (`npm run bench:threads -- --bound`). The consumer hands each pointer back to its
   * producer through a return ring, and the producer frees it with an ordinary local
   * free. Before handing it back the consumer touches the block's tag word:
   * 'none' not at all, 'read' one plain read, 'cas' one compare-exchange that changes
   * nothing (a locked read-modify-write: it takes the line exclusive, as a CAS of the
   * tag does). So 'none' is what any cross-thread free design could reach if it never
   * touched the block, 'read' the least one that checks the block's state.
   */
  bound?: BoundMode;
}

export type BoundMode = 'none' | 'read' | 'cas';
export const BOUND_MODES: readonly BoundMode[] = ['none', 'read', 'cas'];

export const EXCHANGE_SLOTS = 1024;
export const RING_SLOTS = 4096;
/** Control words: start flag, exchange slots, one ring per thread and one return ring per thread (bound runs). */
export const CONTROL_WORDS = (workers: number): number => 16 + EXCHANGE_SLOTS + 2 * workers * (2 + RING_SLOTS);
const SLOTS = 2000;
const BATCH = 64;

interface Alloc {
  malloc(n: number): number;
  free(p: number): void;
  readonly u8: Uint8Array;
}

if (!isMainThread && parentPort && workerData && (workerData as { kind?: string }).kind === 'threads-bench') {
  const d = workerData as BenchWorkerData;
  let heap: Alloc;
  if (d.design === 'threads') heap = attachHeap(d.memory as SharedArrayBuffer, { threadId });
  else if (d.design === 'lock') heap = new LockedHeap(d.memory as SharedArrayBuffer, threadId);
  else heap = createHeap({ backing: 'arraybuffer', maxSize: 1 << 30 });
  const ctl = new Int32Array(d.control);
  parentPort.postMessage({ type: 'ready' });
  Atomics.wait(ctl, 0, 0);
  const result = d.workload === 'larson' ? larson(d, heap, ctl) : xmalloc(d, heap, ctl);
  parentPort.postMessage({ type: 'done', ...result });
}

/**
 * CPU seconds this OS thread has used (Linux: /proc/thread-self/stat, 10 ms ticks), or NaN.
 * Lets the report show operations per CPU-second, which stays meaningful when the
 * threads share fewer cores than there are threads (or another process takes one).
 */
export function threadCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ = 100
  } catch {
    return NaN;
  }
}

function makeRandom(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    return s;
  };
}

/**
 * The timed window of a run: ops before warmMs are not counted; after warmMs +
 * runMs the result is returned. Call it between batches with the running op count.
 */
function measureWindow(d: BenchWorkerData): (ops: number) => { ops: number; ms: number; cpu: number } | null {
  const measureFrom = Date.now() + d.warmMs;
  const end = measureFrom + d.runMs;
  let counted = 0;
  let t0 = 0;
  let cpu0 = 0;
  return (ops) => {
    const now = Date.now();
    if (t0 === 0 && now >= measureFrom) { t0 = now; counted = ops; cpu0 = threadCpuSeconds(); }
    return now >= end ? { ops: ops - counted, ms: now - t0, cpu: threadCpuSeconds() - cpu0 } : null;
  };
}

function larson(d: BenchWorkerData, heap: Alloc, ctl: Int32Array): { ops: number; ms: number; cpu: number } {
  const rand = makeRandom(d.seed);
  const slots = new Float64Array(SLOTS);
  for (let k = 0; k < SLOTS; k++) {
    const n = 8 + (rand() % 993);
    const p = heap.malloc(n);
    heap.u8[p] = 1;
    slots[k] = p;
  }
  const shared = d.workers > 1;
  const window = measureWindow(d);
  let ops = 0;
  for (;;) {
    for (let i = 0; i < 512; i++) {
      const r = rand();
      const k = r % SLOTS;
      const p = slots[k];
      if (shared && (r >>> 24) < 26) { // ~10%
        const old = Atomics.exchange(ctl, 16 + ((r >>> 11) % EXCHANGE_SLOTS), p) >>> 0;
        if (old !== 0) heap.free(old);
      } else {
        heap.free(p);
      }
      const n = 8 + (rand() % 993);
      const q = heap.malloc(n);
      const u8 = heap.u8;
      u8[q] = 1;
      u8[q + n - 1] = 2;
      slots[k] = q;
      ops += 2;
    }
    const done = window(ops);
    if (done !== null) return done;
  }
}

function xmalloc(d: BenchWorkerData, heap: Alloc, ctl: Int32Array): { ops: number; ms: number; cpu: number } {
  const rand = makeRandom(d.seed);
  const ringBase = (i: number): number => 16 + EXCHANGE_SLOTS + i * (2 + RING_SLOTS);
  const out = ringBase(d.index); // I produce into my ring; the next thread consumes it
  const prev = (d.index + d.workers - 1) % d.workers;
  const inp = ringBase(prev);
  // bound runs: I return what I consumed through prev's return ring, and free what comes back on mine
  const bounded = d.workers > 1 && d.bound !== undefined;
  const readTag = d.bound === 'read';
  const casTag = d.bound === 'cas';
  const backOut = ringBase(d.workers + prev);
  const backIn = ringBase(d.workers + d.index);
  const tags = bounded ? new Int32Array((heap as unknown as { memory: SharedArrayBuffer }).memory) : null;
  let sink = 0; // the tag values read, used at the end so that the reads are not optimized away
  const window = measureWindow(d);
  let ops = 0;
  for (;;) {
    for (let round = 0; round < 8; round++) {
      // produce
      let tail = ctl[out + 1];
      const head = Atomics.load(ctl, out);
      for (let j = 0; j < BATCH; j++) {
        const n = 8 + (rand() % 505);
        const p = heap.malloc(n);
        const u8 = heap.u8;
        u8[p] = 1;
        u8[p + n - 1] = 2;
        ops++;
        if (tail - head < RING_SLOTS) {
          ctl[out + 2 + (tail % RING_SLOTS)] = p;
          tail++;
        } else {
          heap.free(p);
          ops++;
        }
      }
      Atomics.store(ctl, out + 1, tail);
      // consume
      let h = ctl[inp];
      const t = Atomics.load(ctl, inp + 1);
      if (tags !== null) {
        let bt = ctl[backOut + 1];
        const room = Atomics.load(ctl, backOut) + RING_SLOTS; // the producer's head + capacity
        for (; h < t && bt < room; h++, bt++, ops++) {
          const p = ctl[inp + 2 + (h % RING_SLOTS)];
          const w = (p - 8) >>> 2;
          if (readTag) sink ^= tags[w];
          else if (casTag) sink ^= Atomics.compareExchange(tags, w, 0, 0); // a tag is never 0: changes nothing
          ctl[backOut + 2 + (bt % RING_SLOTS)] = p;
        }
        Atomics.store(ctl, backOut + 1, bt);
        let bh = ctl[backIn];
        const btIn = Atomics.load(ctl, backIn + 1);
        for (; bh < btIn; bh++) heap.free(ctl[backIn + 2 + (bh % RING_SLOTS)] >>> 0);
        Atomics.store(ctl, backIn, bh);
      } else {
        for (; h < t; h++, ops++) heap.free(ctl[inp + 2 + (h % RING_SLOTS)] >>> 0);
      }
      Atomics.store(ctl, inp, h);
    }
    const done = window(ops);
    if (done !== null) return sink === 0x5eed ? { ...done } : done;
  }
}

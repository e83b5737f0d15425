/**
 * Pass (b) of a replay: throughput. Each sample replays the trace on a fresh heap without
 * any checking, touching only the first and last byte of every block it gets (as a program
 * would, and as the shared bench harness does), so the allocator cannot be timed on memory
 * nobody uses. A short trace is replayed several times per sample until at least
 * `minOpsPerSample` ops are timed; blocks still live at the end of a repetition are freed
 * untimed before the next one. The result is the median ns/op over the samples, after one
 * discarded warm-up sample so that the JIT has compiled the allocator's hot paths.
 *
 * Heap creation and the leftover frees are outside the timed region.
 */

import type { ReplayHeap } from './replay-heap.js';
import { allocateAligned, opAlignment } from './replay-heap.js';
import { OP_ALLOC, OP_FREE, type Trace } from './types.js';

export interface TimedPassOptions {
  /** Ops timed per sample, at least (the trace is repeated to get there). */
  minOpsPerSample: number;
  /** Samples whose median is reported (after one warm-up sample). */
  samples: number;
  /** Called after every repetition with the ops replayed so far (warm-up included). */
  onProgress?: (opsDone: number) => void;
}

export interface TimedOutcome {
  /** Median over samples of (time / ops); NaN for an empty trace. */
  nsPerOp: number;
  /** Ops timed over all samples (warm-up excluded). */
  timedOps: number;
  /** malloc/realloc calls that returned 0 for a non-zero size, over all samples. */
  failedAllocs: number;
}

/** Repetitions of the trace that one sample replays. */
export function repetitionsPerSample(trace: Trace, minOpsPerSample: number): number {
  return trace.length === 0 ? 0 : Math.max(1, Math.ceil(minOpsPerSample / trace.length));
}

export function runTimedPass(makeHeap: () => ReplayHeap, trace: Trace, options: TimedPassOptions): TimedOutcome {
  const repetitions = repetitionsPerSample(trace, options.minOpsPerSample);
  if (repetitions === 0) return { nsPerOp: Number.NaN, timedOps: 0, failedAllocs: 0 };
  const ptrs = new Float64Array(trace.idCount);
  const samples: number[] = [];
  let opsDone = 0;
  let failedAllocs = 0;

  for (let sample = -1; sample < options.samples; sample++) { // sample -1 is the warm-up
    const heap = makeHeap();
    let milliseconds = 0;
    for (let r = 0; r < repetitions; r++) {
      const start = performance.now();
      failedAllocs += replayOnce(heap, trace, ptrs);
      milliseconds += performance.now() - start;
      freeLeftovers(heap, ptrs);
      opsDone += trace.length;
      options.onProgress?.(opsDone);
    }
    if (sample >= 0) samples.push((milliseconds * 1e6) / (repetitions * trace.length));
  }
  return {
    nsPerOp: median(samples),
    timedOps: options.samples * repetitions * trace.length,
    failedAllocs,
  };
}

/**
 * The timed loop: numbers only, no allocation, views re-read after every call that may
 * have grown the backing. Returns the number of failed (0-returning) allocations; a
 * failed realloc keeps the old block, as in C.
 */
function replayOnce(heap: ReplayHeap, trace: Trace, ptrs: Float64Array): number {
  const { kinds, ids, sizes, length } = trace;
  const aligns = trace.detail?.aligns;
  let failed = 0;
  for (let i = 0; i < length; i++) {
    const id = ids[i] as number;
    const kind = kinds[i];
    if (kind === OP_FREE) {
      const ptr = ptrs[id] as number;
      if (ptr !== 0) heap.free(ptr);
      ptrs[id] = 0;
      continue;
    }
    const size = sizes[i] as number;
    const old = kind === OP_ALLOC ? 0 : ptrs[id] as number;
    const ptr = old === 0 ? allocateAligned(heap, kind === OP_ALLOC ? opAlignment(aligns, i) : 0, size) : heap.realloc(old, size);
    if (ptr === 0) {
      if (size > 0) failed++;
      else ptrs[id] = 0; // realloc(p, 0) freed p, or malloc(0) gave NULL
      continue;
    }
    ptrs[id] = ptr;
    if (size > 0) {
      const u8 = heap.u8;
      u8[ptr] = id;
      u8[ptr + size - 1] = id;
    }
  }
  return failed;
}

function freeLeftovers(heap: ReplayHeap, ptrs: Float64Array): void {
  for (let id = 0; id < ptrs.length; id++) {
    const ptr = ptrs[id] as number;
    if (ptr !== 0) heap.free(ptr);
  }
  ptrs.fill(0);
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

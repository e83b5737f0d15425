/**
 * The replay engine: runs a trace against heapflow the way the malloc-lab driver does.
 *
 *   1. checkLiveness: the trace itself must make sense (f/r on live ids only).
 *   2. measure pass on a fresh heap (measure-pass.ts): statistics, and with `verify`
 *      every block checked for alignment, bounds, overlap and content.
 *   3. timed pass on fresh heaps (timed-pass.ts): median ns/op, no checking.
 *
 * Errors found by the replay are counted in the result, never thrown; only a malformed
 * trace (TraceFormatError) or bad options throw.
 */

import { createHeap, DEFAULT_ALLOCATOR } from '../index.js';
import type { BackingKind, HeapOptions, HeapStats } from '../base/types.js';
import { checkLiveness } from './liveness.js';
import { runMeasurePass } from './measure-pass.js';
import { describeThrown, type ReplayHeap, type ReplayHeapFactory } from './replay-heap.js';
import { repetitionsPerSample, runTimedPass } from './timed-pass.js';
import type { Trace } from './types.js';

export type ReplayPass = 'measure' | 'timed';

export interface ReplayOptions {
  /** Backing memory of every heap the replay creates (default: heapOptions.backing, else 'arraybuffer'). */
  backing?: BackingKind;
  /** Check every block in the measure pass (slower; the timed pass never checks). */
  verify: boolean;
  /** Passed to createHeap for every heap; `backing` above wins. */
  heapOptions?: HeapOptions;
  /** Skip the timed pass (nsPerOp is then NaN). Default true: time it. */
  timed?: boolean;
  /** Ops timed per sample, at least. Default 100 000. */
  minTimedOpsPerSample?: number;
  /** Timed samples (median reported). Default 5. */
  samples?: number;
  /** Progress over both passes: ops replayed so far and the total planned. */
  onProgress?: (opsDone: number, opsTotal: number) => void;
  /** Called on every heap the replay creates, before its first op (e.g. to attach onEvent listeners). */
  onHeapCreated?: (heap: ReplayHeap, pass: ReplayPass) => void;
  /** Creates the heaps (default: heapflow's createHeap). For tests of the engine itself. */
  createHeap?: ReplayHeapFactory;
}

/** The heap's OS-layer and reuse counters, as stats() reports them after the last op. */
type ReplayCounters = Pick<HeapStats, 'osGrows' | 'osBytesGrown' | 'osShrinks' | 'osBytesReturned' |
  'sbrkCalls' | 'runsMapped' | 'runsUnmapped' | 'reusedAllocs' | 'grownAllocs'>;

export interface ReplayResult extends ReplayCounters {
  /** The trace's source (the path as given). */
  trace: string;
  ops: number;
  backing: BackingKind;
  /** The allocator policy replayed ('segfit' unless heapOptions.allocator said otherwise). */
  allocator: string;
  /** Work units (Heap.workUnits) of the costliest op, and the 99.9th percentile over the ops. */
  workMax: number;
  workP999: number;
  verified: boolean;
  /** Failed checks, failed allocations and heap exceptions; 0 means the replay is clean. */
  errors: number;
  /** The first few errors, one line each. */
  errorMessages: string[];
  /** Median ns per op of the timed pass (NaN if not timed). */
  nsPerOp: number;
  timedOps: number;
  peakLiveBytes: number;
  peakHeapSize: number;
  /** peakLiveBytes / peakHeapSize, the malloc-lab utilization. */
  utilization: number;
  /** stats().externalFragmentation at the moment live bytes peaked. */
  externalFragmentation: number;
  /** reusedAllocs / (reusedAllocs + grownAllocs); 0 if nothing was allocated. */
  reuseRatio: number;
}

const DEFAULT_MIN_TIMED_OPS = 100_000;
const DEFAULT_SAMPLES = 5;

/** Total ops replayTrace will run for `trace`, for progress bars sized before the run. */
export function plannedReplayOps(trace: Trace, options: Pick<ReplayOptions, 'timed' | 'minTimedOpsPerSample' | 'samples'>): number {
  if (options.timed === false) return trace.length;
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const repetitions = repetitionsPerSample(trace, options.minTimedOpsPerSample ?? DEFAULT_MIN_TIMED_OPS);
  return trace.length * (1 + (samples + 1) * repetitions); // +1 sample: the warm-up
}

export function replayTrace(trace: Trace, options: ReplayOptions): ReplayResult {
  checkLiveness(trace);
  const backing = options.backing ?? options.heapOptions?.backing ?? 'arraybuffer';
  const heapOptions: HeapOptions = { ...options.heapOptions, backing };
  const factory = options.createHeap ?? createHeap;
  const makeHeap = (pass: ReplayPass): ReplayHeap => {
    const heap = factory(heapOptions);
    options.onHeapCreated?.(heap, pass);
    return heap;
  };
  const total = plannedReplayOps(trace, options);
  const progress = options.onProgress;

  const measured = runMeasurePass(makeHeap('measure'), trace, options.verify,
    progress && ((done) => progress(done, total)));

  let errors = measured.errors;
  const errorMessages = [...measured.errorMessages];
  let nsPerOp = Number.NaN;
  let timedOps = 0;
  if (options.timed !== false) {
    try {
      const timed = runTimedPass(() => makeHeap('timed'), trace, {
        minOpsPerSample: options.minTimedOpsPerSample ?? DEFAULT_MIN_TIMED_OPS,
        samples: options.samples ?? DEFAULT_SAMPLES,
        onProgress: progress && ((done) => progress(trace.length + done, total)),
      });
      nsPerOp = timed.nsPerOp;
      timedOps = timed.timedOps;
      // The measure pass already reported the same failures when it ran them; a deterministic
      // allocator fails identically in both, so only count them here if none were counted.
      if (timed.failedAllocs > 0 && errors === 0) {
        errors += timed.failedAllocs;
        errorMessages.push(`${trace.source}: ${timed.failedAllocs} allocations returned 0 in the timed pass`);
      }
    } catch (error) {
      errors++;
      errorMessages.push(`${trace.source}: the heap threw ${describeThrown(error)} in the timed pass`);
    }
  }

  const stats = measured.finalStats;
  const allocs = stats.reusedAllocs + stats.grownAllocs;
  return {
    trace: trace.source,
    ops: trace.length,
    backing,
    allocator: heapOptions.allocator ?? DEFAULT_ALLOCATOR,
    workMax: measured.workMax,
    workP999: measured.workP999,
    verified: options.verify,
    errors,
    errorMessages,
    nsPerOp,
    timedOps,
    peakLiveBytes: measured.peakLiveBytes,
    peakHeapSize: measured.peakHeapSize,
    utilization: measured.peakHeapSize > 0 ? measured.peakLiveBytes / measured.peakHeapSize : 0,
    externalFragmentation: measured.externalFragmentationAtPeak,
    osGrows: stats.osGrows,
    osBytesGrown: stats.osBytesGrown,
    osShrinks: stats.osShrinks,
    osBytesReturned: stats.osBytesReturned,
    sbrkCalls: stats.sbrkCalls,
    runsMapped: stats.runsMapped,
    runsUnmapped: stats.runsUnmapped,
    reusedAllocs: stats.reusedAllocs,
    grownAllocs: stats.grownAllocs,
    reuseRatio: allocs > 0 ? stats.reusedAllocs / allocs : 0,
  };
}

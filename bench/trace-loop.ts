/**
 * One replay of a trace through the Heap API, blocks touched at both ends (as the bench's loops
 * do), every block freed at the end. bench/churn.ts imports this module once per backing (a query
 * string makes each import a new module instance), so each backing's loop has its own type feedback.
 */
import type { BenchTrace } from './replay.js';

export interface TraceHeap {
  malloc(size: number): number;
  free(ptr: number): void;
  realloc(ptr: number, size: number): number;
  readonly u8: Uint8Array;
}

/** Replays `tr` `reps` times; `ptrs` is scratch of tr.nIds zeros. Returns the ops replayed. */
export function replayTrace(heap: TraceHeap, tr: BenchTrace, reps: number, ptrs: Float64Array): number {
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < tr.nOps; i++) {
      const id = tr.ids[i] as number;
      if (tr.kind[i] === 1) {
        if (ptrs[id] !== 0) heap.free(ptrs[id] as number);
        ptrs[id] = 0;
        continue;
      }
      const size = tr.sizes[i] as number;
      const p = ptrs[id] === 0 ? heap.malloc(size) : heap.realloc(ptrs[id] as number, size);
      if (p === 0) throw new Error(`${tr.name}: allocation of ${size} failed`);
      ptrs[id] = p;
      const u8 = heap.u8;
      u8[p] = id;
      u8[p + size - 1] = id;
    }
    for (let id = 0; id < ptrs.length; id++) {
      if (ptrs[id] !== 0) heap.free(ptrs[id] as number);
      ptrs[id] = 0;
    }
  }
  return reps * tr.nOps;
}

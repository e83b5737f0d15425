/**
 * The timelines of one replay, sampled every `every` ops (so that a 2 M-op trace keeps a
 * few thousand points): what stats() says after op x[i] - 1.
 */
import type { Heap } from '../../index.js';

export const SERIES_FIELDS = ['liveBytes', 'heapSize', 'backingSize', 'freeBytes', 'largestFreeBlock', 'externalFragmentation', 'runsMapped', 'liveBlocks', 'work'] as const;
export type SeriesField = typeof SERIES_FIELDS[number];

export class Series {
  /** Ops applied at each sample. */
  readonly x: Float64Array;
  readonly values: Record<SeriesField, Float64Array>;
  length = 0;

  constructor(readonly every: number, capacity: number) {
    this.x = new Float64Array(capacity);
    this.values = Object.fromEntries(SERIES_FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<SeriesField, Float64Array>;
  }

  record(heap: Heap, opsApplied: number): void {
    const s = heap.stats();
    const i = this.length++;
    this.x[i] = opsApplied;
    const v = this.values;
    v.liveBytes[i] = s.liveBytes;
    v.heapSize[i] = s.heapSize;
    v.backingSize[i] = s.backingSize;
    v.freeBytes[i] = s.freeBytes;
    v.largestFreeBlock[i] = s.largestFreeBlock;
    v.externalFragmentation[i] = s.externalFragmentation;
    v.runsMapped[i] = s.runsMapped;
    v.liveBlocks[i] = s.liveBlocks;
    v.work[i] = workUnits(heap);
  }

  /** Arrays trimmed to the samples taken (for the charts). */
  column(field: SeriesField | 'x'): Float64Array {
    return (field === 'x' ? this.x : this.values[field]).subarray(0, this.length);
  }

  /** Index of the last sample at or before `op` ops applied. */
  indexAt(op: number): number {
    let lo = 0, hi = this.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.x[mid] <= op) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
}

/** The policy's cumulative work counter where the heap has one (heap.workUnits), else NaN. */
export function workUnits(heap: Heap): number {
  const w = (heap as unknown as { workUnits?: unknown }).workUnits;
  return typeof w === 'number' ? w : Number.NaN;
}

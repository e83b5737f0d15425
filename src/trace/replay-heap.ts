/**
 * The part of the Heap API the replay engine uses. The real `Heap` satisfies it
 * structurally; tests can pass a deliberately broken allocator through the same shape
 * to prove that the verifying replay catches what it claims to catch.
 */

import type { HeapOptions, HeapStats } from '../base/types.js';

export interface ReplayHeap {
  malloc(size: number): number;
  free(ptr: number): void;
  realloc(ptr: number, size: number): number;
  /** For ops with an alignment (captured posix_memalign, memalign…); without it they use malloc. */
  alignedAlloc?(alignment: number, size: number): number;
  /** Current views of the whole backing; re-read after every call (the backing may grow or shrink). */
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  stats(): HeapStats;
  /** Walks the heap; throws if an invariant is broken. */
  check(): void;
  /** Cumulative units of allocator work (Heap.workUnits); absent for heaps that do not count. */
  readonly workUnits?: number;
}

/** Alignment the replay asks for op `i`: the trace's when above malloc's 8, else 0 (plain malloc). */
export function opAlignment(aligns: Uint32Array | undefined, i: number): number {
  const align = aligns === undefined ? 0 : aligns[i] as number;
  return align > 8 ? align : 0;
}

/** malloc, or alignedAlloc when the op asks for more than malloc's alignment and the heap has it. */
export function allocateAligned(heap: ReplayHeap, align: number, size: number): number {
  return align > 0 && heap.alignedAlloc !== undefined ? heap.alignedAlloc(align, size) : heap.malloc(size);
}

export type ReplayHeapFactory = (options: HeapOptions) => ReplayHeap;

/** What a heap call threw, for a one-line error message. */
export function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

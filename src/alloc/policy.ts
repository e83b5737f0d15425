/**
 * The allocator policy interface: what the Heap facade asks of an allocator.
 * A policy owns the block layout and the free structures; it keeps all of its
 * state inside the heap's memory (after the heap header), so a second Heap
 * object can attach and continue. The facade validates sizes and alignments
 * (safe integers, powers of two) before calling; policies validate pointers,
 * since only they know what a block start looks like.
 */
import type { BlockInfo, HeapEventListener } from '../base/types.js';
import type { OsLayer } from '../os/os-layer.js';

export interface AllocatorPolicy {
  /** Stable id recorded in the heap header (Hdr.W_POLICY). */
  readonly policyId: number;
  readonly name: string;
  /** Bytes of policy metadata this policy places right after the heap header. */
  readonly metadataBytes: number;

  /** Lays out empty metadata and the first (sentinel) block; called once on a fresh heap. */
  format(heapStart: number): void;
  /** Re-reads the views after the backing was resized (by this or another Heap object). */
  refresh(): void;
  /** The backing's generation when the views were last read. */
  readonly generation: number;
  /** Cheap: refreshes the views if another Heap object (or this one) resized the backing. */
  sync(): void;
  /** Current views (valid until the next call that may grow or trim). */
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;

  malloc(size: number): number;
  free(ptr: number): void;
  realloc(ptr: number, size: number): number;
  /** `alignment` is a power of two >= 8. */
  alignedAlloc(alignment: number, size: number): number;
  usableSize(ptr: number): number;
  trim(pad: number): number;
  check(): void;
  blocks(): BlockInfo[];
  /** Free bytes, free blocks and the largest free block, without a heap walk. */
  freeSummary(): FreeSummary;
  setListener(listener: HeapEventListener | null): void;
}

export interface FreeSummary {
  freeBytes: number;
  freeBlocks: number;
  largestFreeBlock: number;
}

export interface PolicyFactory {
  readonly policyId: number;
  readonly name: string;
  readonly metadataBytes: number;
  create(os: OsLayer): AllocatorPolicy;
}

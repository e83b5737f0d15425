/**
 * The allocator policy contract: everything the Heap facade, debug mode, the CLI and the
 * report ask of an allocator. A policy is one folder under src/alloc/ and one entry in the
 * registry (src/policies.ts); nothing else names it.
 *
 * A policy owns the block layout, the free structures, its metadata (right after the heap
 * header, `metadataBytes` of it) and everything inside [heapStart, break). It keeps all of
 * its state in the heap's memory, so a second Heap object can attach and continue.
 *
 * Division of work:
 * - the facade validates sizes and alignments (safe integers, powers of two, at most
 *   `maxRequest()`), keeps the call counters, refuses or throws on out of memory;
 * - the policy validates pointers (only it knows what a block start looks like) and throws
 *   the typed errors of src/base/errors.ts before changing anything;
 * - the policy keeps the header's memory counters (src/alloc/counters.ts): live bytes and
 *   blocks, peak, used bytes, free blocks, allocations served by growth; stats() reads them;
 * - the policy emits the common events (src/base/types.ts CommonHeapEvent) and its own,
 *   declared by merging into PolicyEventMap from its folder;
 * - `work` counts, deterministically, what each operation examined: one unit per free-list
 *   node or block looked at and per bin list or bitmap word probed. Replay reads it before
 *   and after each operation to report the worst case (workMax, workP999).
 */
import type { PolicyInternals } from '../base/internals.js';
import type { BlockInfo, HeapEventListener } from '../base/types.js';
import type { OsLayer } from '../os/os-layer.js';

export interface AllocatorPolicy {
  /** Stable id recorded in the heap header (Hdr.W_POLICY). */
  readonly policyId: number;
  readonly name: string;
  /** Bytes of policy metadata this policy places right after the heap header. */
  readonly metadataBytes: number;

  /** Lays out empty metadata and whatever the policy keeps at heapStart; called once on a fresh heap. */
  format(heapStart: number, options: PolicyOptions): void;
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

  /** `size` is an integer in [0, maxRequest()]. Returns the payload pointer or 0. */
  malloc(size: number): number;
  free(ptr: number): void;
  /** `ptr` non-zero, `size` in [1, maxRequest()]. Returns the new pointer, or 0 with ptr untouched. */
  realloc(ptr: number, size: number): number;
  /** `alignment` is a power of two >= 8. */
  alignedAlloc(alignment: number, size: number): number;
  usableSize(ptr: number): number;
  /** Gives free memory at the top back to the OS layer, keeping `pad` bytes; returns bytes released. */
  trim(pad: number): number;
  /** Walks everything; throws HeapCorruptionError naming the block and the broken invariant. */
  check(): void;
  /** Every block in address order, covering [heapStart, break) exactly (see BlockInfo). */
  blocks(): BlockInfo[];
  /** The policy's own structures (bins, bitmaps, free lists) as plain data, for pictures; absent: nothing to show. */
  internals?(): PolicyInternals;
  /** Used and free bytes without a heap walk. */
  usage(): PolicyUsage;
  /** The largest request this policy could ever serve in this heap (the facade refuses above it). */
  maxRequest(): number;
  /** Cumulative units of work (see the comment at the top). */
  readonly work: number;
  setListener(listener: HeapEventListener | null): void;

  /** Arena policies only: a mark of the current allocation point, and rolling back to it. */
  mark?(): number;
  release?(mark: number): void;
  reset?(): void;
}

export interface PolicyUsage {
  /** Bytes of used and mapped blocks, their headers and padding included. */
  usedBytes: number;
  /** Bytes of free, top and reserved blocks. */
  freeBytes: number;
  freeBlocks: number;
  largestFreeBlock: number;
}

/** Policy-specific creation options, validated by the factory's `options` before format(). */
export interface PolicyOptions {
  /** pool: the size of every block. */
  blockSize?: number;
}

/** 'general': serves any request (the conformance suite runs whole); pool and arena have their own contracts. */
export type PolicyKind = 'general' | 'pool' | 'arena';

export interface PolicyFactory {
  readonly policyId: number;
  readonly name: string;
  readonly kind: PolicyKind;
  readonly metadataBytes: number;
  /** Checks and completes the creation options of this policy (throws TypeError/RangeError naming the option). */
  options?(given: PolicyOptions): PolicyOptions;
  create(os: OsLayer): AllocatorPolicy;
}

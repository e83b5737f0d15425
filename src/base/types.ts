/** Public types of the Heap facade. */

export type BackingKind = 'arraybuffer' | 'resizable' | 'shared' | 'wasm';
export type OutOfMemoryPolicy = 'null' | 'throw';

export interface HeapOptions {
  /** The allocator policy (see docs/allocators.md). Default 'segfit'. Recorded in the heap, so attachHeap needs no option. */
  allocator?: AllocatorName;
  /** allocator 'pool' only: the size of every block in bytes (requests above it fail as out of memory). Default 64. */
  blockSize?: number;
  /** Which memory the heap lives in (default: 'arraybuffer', the fastest; see README). */
  backing?: BackingKind;
  /** Backing capacity at creation, in bytes; the backing never shrinks below it. Default 64 KiB. */
  initialSize?: number;
  /** Largest backing size in bytes, up to 4 GiB. Default 2 GiB ('wasm', 'shared', 'resizable': also reserved as the maximum). */
  maxSize?: number;
  /** The OS layer's page: granularity of mapped runs and of trimming. Power of two, >= 4096. Default 4096. */
  pageSize?: number;
  /** Requests at or above this many bytes come from page runs ("mmap"). Default 128 KiB, as glibc. */
  mmapThreshold?: number;
  /** Free memory at the top beyond this many bytes is returned automatically. Default 128 KiB, as glibc. */
  trimThreshold?: number;
  /** Bytes of a fixed "static" area reserved at creation, at `heap.staticBase`. Default 0. */
  staticSize?: number;
  /** What a request that cannot be satisfied does: return 0 (C) or throw OutOfMemoryError. Default 'null'. */
  onOutOfMemory?: OutOfMemoryPolicy;
  /** For backing 'wasm': an existing WebAssembly.Memory to live in. */
  memory?: WebAssembly.Memory;
  /** For backing 'wasm' with `memory`: byte offset where the heap starts (above the module's data and stack). */
  base?: number;
  /**
   * Debug mode (redzones, quarantine, double/bad free, uninitialized reads, leaks): true for
   * the defaults, or DebugOptions. createHeap then returns a DebugHeap; off, nothing changes.
   */
  debug?: boolean | DebugOptions;
}

export interface AttachOptions {
  onOutOfMemory?: OutOfMemoryPolicy;
  /**
   * Byte offset of the heap inside the memory: the `base` it was created with. Default 0. A heap
   * made with `base` must be attached with the same `base`: the bytes below it belong to the
   * WebAssembly module, so heapflow keeps nothing there to find the heap by.
   */
  base?: number;
}

export interface HeapStats {
  /** The break: bytes from offset 0 to the highest byte taken from the OS layer (metadata and static area included). */
  heapSize: number;
  peakHeapSize: number;
  /** Capacity of the backing memory in bytes. */
  backingSize: number;
  /** Sum of requested sizes of live blocks. */
  liveBytes: number;
  peakLiveBytes: number;
  liveBlocks: number;
  /** Bytes of all live blocks including headers and padding. */
  usedBytes: number;
  /** Bytes in free blocks (headers included). */
  freeBytes: number;
  freeBlocks: number;
  /** Largest free block (chunk bytes); found from the highest non-empty bin, no heap walk. */
  largestFreeBlock: number;
  /** 1 - largestFreeBlock / freeBytes (0 when nothing is free). */
  externalFragmentation: number;
  /** peakLiveBytes / peakHeapSize. */
  utilization: number;
  /** Bytes of allocator metadata at the start of the heap (header, bins, counters). */
  metadataBytes: number;
  staticSize: number;
  // OS-layer counters
  osGrows: number;
  osBytesGrown: number;
  osShrinks: number;
  osBytesReturned: number;
  /** Times the break moved up / down (sbrk calls). */
  sbrkCalls: number;
  runsMapped: number;
  runsUnmapped: number;
  mappedBytes: number;
  // call counters
  mallocCalls: number;
  callocCalls: number;
  reallocCalls: number;
  freeCalls: number;
  alignedAllocCalls: number;
  /** mallocs served by reusing a free block, versus by growing the break. */
  reusedAllocs: number;
  grownAllocs: number;
}

/**
 * What a block of the heap map is:
 * - `used`: allocated (what malloc returned); `mapped`: allocated as a page run of its own;
 * - `free`: in the policy's free structures, malloc may take it now; `top`: the free block that
 *   ends at the break (trim gives it back);
 * - `reserved`: free memory set aside that malloc will not take yet for any request (segfit's
 *   size-group region tails, the unused capacity of a size-class page);
 * - `metadata`: bytes the policy keeps for itself between the heap start and the break
 *   (segfit's sentinel, page headers).
 * `freeBytes`/`freeBlocks` of stats() count free, top and reserved blocks.
 */
export type BlockState = 'used' | 'free' | 'mapped' | 'top' | 'reserved' | 'metadata';

/** The allocator policies a heap can be made with (see docs/allocators.md). */
export type AllocatorName =
  | 'segfit' | 'tlsf' | 'pages' | 'buddy' | 'pool' | 'arena' | 'first-fit' | 'next-fit' | 'best-fit';

/**
 * One block of the heap map. blocks() lists them in address order and they cover
 * [heapStart, heapSize) exactly: no gap, no overlap, from the first block to the break.
 */
export interface BlockInfo {
  /** The payload pointer (what malloc returned / would return); the offset for metadata. */
  ptr: number;
  /** Offset of the block header. */
  offset: number;
  /** Whole block in bytes (header and padding included). */
  size: number;
  state: BlockState;
  /** Requested size for used and mapped blocks; 0 for every other state. */
  requested: number;
}

/**
 * The events every policy emits, under these names: `malloc` (a request arrives; `chunk` is the
 * block size the policy will look for), `done` (served; `reused`: from free memory, not by
 * raising the break), `free`, `realloc`, `grow` (the break moved up), `trim` (moved down),
 * `map`/`unmap` (a page run of its own).
 */
export type CommonHeapEvent =
  | { type: 'malloc'; size: number; chunk: number }
  | { type: 'grow'; from: number; to: number; backing: number }
  | { type: 'map'; ptr: number; size: number }
  | { type: 'unmap'; ptr: number; size: number }
  | { type: 'done'; ptr: number; size: number; reused: boolean }
  | { type: 'free'; ptr: number; size: number }
  | { type: 'realloc'; ptr: number; size: number; result: number; inPlace: boolean }
  | { type: 'trim'; from: number; to: number; released: number };

/**
 * Each policy's own event types, keyed by the policy's name: a policy adds its entry by
 * declaration merging in its own folder (src/alloc/segfit/events.ts is the model), so that
 * this layer never names a concrete policy.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PolicyEventMap {}

/** One event per step of the allocation flow: the common ones and every policy's own. */
export type HeapEvent = CommonHeapEvent | PolicyEventMap[keyof PolicyEventMap];

export type HeapEventListener = (event: HeapEvent) => void;

// ───────────────────────────────────── debug mode (src/debug/)

/** What debug mode reports: the AddressSanitizer / LeakSanitizer names. */
export type DebugErrorKind =
  | 'heap-use-after-free'
  | 'heap-buffer-overflow'
  | 'heap-buffer-underflow'
  | 'double-free'
  | 'bad-free'
  | 'use-of-uninitialized-value'
  | 'memory-leak';

/**
 * Options of `createHeap({ debug: true | DebugOptions })` (see docs/debugging.md).
 * `debug: true` means every default below.
 */
export interface DebugOptions {
  /** Bytes of the redzone on each side of a block: a multiple of 8 in [8, 4096]. Default 16. */
  redzone?: number;
  /** Freed blocks are held back (poisoned) until this many bytes are in quarantine; 0 = none. Default 4 MiB. */
  quarantineSize?: number;
  /** Capture allocation / free / access stacks (new Error().stack). Off is much faster. Default true. */
  stacks?: boolean;
  /** Frames kept per stack, after heapflow's own frames are trimmed. Default 12. */
  stackDepth?: number;
  /** 'throw' (default): a HeapDebugError at the first error. 'collect': keep going; read heap.reports(). */
  onError?: 'throw' | 'collect';
  /** Called with every report (in both modes), before it is thrown or collected. */
  onReport?: (report: DebugReportShape) => void;
  /** In 'collect' mode, reports kept at most (further ones are only counted). Default 1000. */
  maxReports?: number;
  /** Freed blocks remembered after they leave quarantine, to name them in later reports. Default 4096. */
  history?: number;
  /**
   * realloc always moves a block of up to this many bytes (old or new size), as ASan does, so a
   * stale pointer to the old block is caught; larger blocks are resized in place where the
   * allocator can (growing a big block step by step would otherwise be quadratic). Default 16 KiB.
   */
  reallocMoveLimit?: number;
  /** At process exit (Node only), print the leak summary to stderr; 'fail' also sets process.exitCode = 1 if anything leaked. Default false. */
  leaksAtExit?: boolean | 'fail';
}

/** The structured part of a debug report (the class is DebugReport in src/debug/report.ts). */
export interface DebugReportShape {
  readonly kind: DebugErrorKind;
  /** The first bad byte (or the pointer passed to free/realloc, or the first leaked block). */
  readonly address: number;
  /** The block the address belongs to or lies nearest to, as the program sees it. */
  readonly block: { ptr: number; size: number } | null;
  /** The stack of the call that found the error (access, free, check, ...). */
  readonly stack: string;
  readonly allocStack?: string;
  readonly freeStack?: string;
  toString(): string;
}

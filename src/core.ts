/**
 * heapflow/core: the allocator without debug mode — createHeap, attachHeap, the thread-shared
 * heap, the errors and the types — for apps that want to pay only for the core in a bundle.
 * Everything here is also exported by 'heapflow' (whose createHeap adds `debug`).
 *
 * Like the main entry it imports no third-party module and no node: module.
 */
export { createHeap, type CoreHeapOptions } from './create-core-heap.js';
export { attachHeap, DEFAULTS } from './create.js';
export { allocatorNames, generalAllocatorNames, DEFAULT_ALLOCATOR } from './policies.js';
export { Heap } from './heap/heap.js';
export { ArenaHeap } from './heap/arena-heap.js';
export {
  HeapError, heapErrorCode, InvalidPointerError, DoubleFreeError, OutOfMemoryError, HeapCorruptionError, ListenerError,
  type HeapErrorCode,
} from './base/errors.js';
export type {
  HeapOptions, AttachOptions, HeapStats, BlockInfo, BlockState, HeapEvent, CommonHeapEvent, PolicyEventMap,
  HeapEventListener, BackingKind, AllocatorName,
  OutOfMemoryPolicy,
} from './base/types.js';
export type {
  PolicyInternals, FreeListInfo, TlsfInternals, SegfitInternals, BuddyInternals, PoolInternals, PagesInternals, FitsInternals,
  ArenaInternals, NoInternals,
} from './base/internals.js';
export type { AllocatorPolicy, PolicyFactory, PolicyUsage, PolicyOptions, PolicyKind } from './alloc/policy.js';
export type { SegfitEvent } from './alloc/segfit/events.js';
export type { TlsfEvent } from './alloc/tlsf/events.js';
export type { PagesEvent } from './alloc/pages/events.js';
export type { FitEvent } from './alloc/fits/events.js';
export type { BuddyEvent } from './alloc/buddy/events.js';
export type { ArenaEvent } from './alloc/arena/events.js';
export {
  createSharedHeap, attachSharedHeap, SharedHeap,
  type SharedHeapOptions, type SharedAttachOptions, type SharedHeapStats, type ArenaStats,
} from './threads/shared-heap.js';
export type { ReclaimResult } from './threads/reclaim.js';
export * from './virtual/index.js';

/**
 * heapflow/core: the allocator without debug mode — createHeap, attachHeap, the thread-shared
 * heap, the errors and the types — for apps that want to pay only for the core in a bundle.
 * Everything here is also exported by 'heapflow' (whose createHeap adds `debug`).
 *
 * Like the main entry it imports no third-party module and no node: module.
 */
export { createHeap, type CoreHeapOptions } from './create-core-heap.js';
export { attachHeap, DEFAULTS } from './create.js';
export { Heap } from './heap/heap.js';
export {
  HeapError, heapErrorCode, InvalidPointerError, DoubleFreeError, OutOfMemoryError, HeapCorruptionError,
  type HeapErrorCode,
} from './base/errors.js';
export type {
  HeapOptions, AttachOptions, HeapStats, BlockInfo, BlockState, HeapEvent, HeapEventListener, BackingKind,
  OutOfMemoryPolicy,
} from './base/types.js';
export type { AllocatorPolicy, PolicyFactory } from './alloc/policy.js';
export {
  createSharedHeap, attachSharedHeap, SharedHeap,
  type SharedHeapOptions, type SharedAttachOptions, type SharedHeapStats, type ArenaStats,
} from './threads/shared-heap.js';
export type { ReclaimResult } from './threads/reclaim.js';

/**
 * heapflow: the C allocation flow (malloc, free, calloc, realloc, bins,
 * boundary tags, sbrk and mmap-style page runs) over one linear memory.
 *
 * This entry point imports no third-party module and no node: module, so it
 * runs in browsers and workers too.
 */
export { createHeap, attachHeap, DEFAULTS } from './heap/create.js';
export { Heap } from './heap/heap.js';
export {
  HeapError, InvalidPointerError, DoubleFreeError, OutOfMemoryError, HeapCorruptionError,
  type HeapErrorCode,
} from './heap/errors.js';
export type {
  HeapOptions, AttachOptions, HeapStats, BlockInfo, BlockState, HeapEvent, HeapEventListener, BackingKind,
  OutOfMemoryPolicy,
} from './heap/types.js';
export type { AllocatorPolicy, PolicyFactory } from './alloc/policy.js';

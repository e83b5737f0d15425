/**
 * What createHeap needs from debug mode, passed in rather than imported, so that an entry
 * without debug mode ('heapflow/core') does not bundle it.
 */

import type { AllocatorPolicy } from '../alloc/policy.js';
import type { OutOfMemoryPolicy } from '../base/types.js';
import type { OsLayer } from '../os/os-layer.js';
import type { Heap } from './heap.js';

export interface DebugMode {
  /** The `debug` option checked and completed; null when debug mode is off. */
  resolve(debug: unknown): DebugSettings | null;
  /** The debug heap over a freshly formatted allocator. */
  create(policy: AllocatorPolicy, os: OsLayer, onOutOfMemory: OutOfMemoryPolicy, settings: DebugSettings): Heap;
}

/** Opaque here: only debug mode reads it. */
export type DebugSettings = object;

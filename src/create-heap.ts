/** createHeap of the main entry: debug mode included. */

import type { DebugOptions, HeapOptions } from './base/types.js';
import { createHeapWith } from './create.js';
import type { DebugHeap } from './debug/debug-heap.js';
import { debugMode } from './debug/mode.js';
import type { ArenaHeap } from './heap/arena-heap.js';
import type { Heap } from './heap/heap.js';

/** With `debug` on, the heap is a DebugHeap (docs/debugging.md); without it, the plain Heap. */
export function createHeap(options: HeapOptions & { debug: true | DebugOptions }): DebugHeap;
export function createHeap(options: HeapOptions & { allocator: 'arena'; debug?: false }): ArenaHeap;
export function createHeap(options?: HeapOptions): Heap;
export function createHeap(options: HeapOptions = {}): Heap {
  return createHeapWith(options, debugMode);
}

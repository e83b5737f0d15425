/** createHeap of 'heapflow/core': the same heaps, without debug mode (and without its code in a bundle). */

import type { HeapOptions } from './base/types.js';
import { createHeapWith } from './create.js';
import type { ArenaHeap } from './heap/arena-heap.js';
import type { Heap } from './heap/heap.js';

/** Options of the core entry: those of `heapflow`'s createHeap but `debug` (a RangeError if set). */
export type CoreHeapOptions = Omit<HeapOptions, 'debug'> & { debug?: false };

export function createHeap(options: CoreHeapOptions & { allocator: 'arena' }): ArenaHeap;
export function createHeap(options?: CoreHeapOptions): Heap;
export function createHeap(options: CoreHeapOptions = {}): Heap {
  return createHeapWith(options, null);
}

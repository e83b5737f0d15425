/**
 * The baseline to beat: one global lock around the single-threaded heap (the
 * approach of the one existing JS fork that shares a heap between threads).
 * Built as well as we can: the core segfit heap over a growable
 * SharedArrayBuffer (createHeap({ backing: 'shared' })), attachHeap in each
 * worker, and the same futex-style lock the shared heap uses for its pages
 * (spin, then Atomics.wait), held for exactly one malloc or free.
 * The lock word lives in the heap's static area.
 */
import { attachHeap, createHeap, type Heap } from '../../src/index.js';
import { canBlock, lockAcquire, lockRelease } from '../../src/threads/lock.js';

export function createLockedHeapMemory(maxSize: number): SharedArrayBuffer {
  const heap = createHeap({ backing: 'shared', maxSize, initialSize: 1 << 20, staticSize: 64 });
  return heap.memory as SharedArrayBuffer;
}

export class LockedHeap {
  private readonly heap: Heap;
  private readonly i32: Int32Array;
  private readonly index: number;
  private readonly blocking: boolean;

  constructor(memory: SharedArrayBuffer, private readonly tag: number) {
    this.heap = attachHeap(memory);
    // the lock word is the first word of the static area, far below any growth
    this.index = this.heap.staticBase >>> 2;
    this.i32 = new Int32Array(memory, 0, this.index + 2);
    this.blocking = canBlock(this.i32, this.index + 1);
  }

  malloc(n: number): number {
    lockAcquire(this.i32, this.index, this.tag, this.blocking);
    const p = this.heap.malloc(n);
    lockRelease(this.i32, this.index);
    return p;
  }

  free(p: number): void {
    lockAcquire(this.i32, this.index, this.tag, this.blocking);
    this.heap.free(p);
    lockRelease(this.i32, this.index);
  }

  /**
   * No lock needed: the getter re-makes this thread's views if the generation
   * word moved (a read), and the caller touches only its own blocks.
   */
  get u8(): Uint8Array {
    return this.heap.u8;
  }

  check(): void {
    lockAcquire(this.i32, this.index, this.tag, this.blocking);
    try { this.heap.check(); } finally { lockRelease(this.i32, this.index); }
  }
}

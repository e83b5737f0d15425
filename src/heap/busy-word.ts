/**
 * The busy word: refusing concurrent use of a heap made for one thread.
 *
 * A heap from createHeap / attachHeap has no locks: its allocator assumes that one call
 * runs at a time. In shared memory (a SharedArrayBuffer, a shared WebAssembly.Memory)
 * two threads can nevertheless attach Heaps to it and call them at once, and their
 * updates of the free lists would interleave and overwrite blocks without a word. So on
 * shared memory the facade (Heap) takes the header's busy word (Hdr.W_LOCK, which only the
 * thread-shared heap uses otherwise) from FREE to BUSY with one Atomics.exchange around
 * every call into the allocator, and puts FREE back when the call returns or throws. A
 * call that finds the word taken throws HeapError CONCURRENT_USE before touching anything:
 * the heap stays as the running call leaves it. The word does not wait, it only refuses:
 * correct programs hand the heap from thread to thread with their own synchronization (or
 * use the thread-shared heap, which has per-thread arenas and a lock).
 *
 * The word is taken in the facade itself (Heap), which every call passes through: plain,
 * arena and debug-mode heaps alike, debug mode's composed calls taking it once per allocator
 * call. The atomic operation is most of its cost (bench/busy-guard.ts measures it). A listener that calls back into the heap during an
 * event finds the word taken: on shared memory it gets CONCURRENT_USE (on other memory such
 * a call would corrupt the heap silently as well).
 *
 * Unshared memory cannot be seen by another thread: there the word is null and a call pays
 * one null test.
 *
 * A thread stopped in the middle of a call (worker.terminate()) leaves the word taken,
 * and the heap half-updated: every later call is refused.
 */
import { HeapError } from '../base/errors.js';
import { Hdr } from '../os/header.js';
import type { OsLayer } from '../os/os-layer.js';

export const FREE = 0;
const BUSY = 1;

/** The busy word of the heap at `os` when its memory can be shared between threads, else null. */
export function busyWordOf(os: OsLayer): Int32Array | null {
  const buffer = os.backing.buffer;
  // A shared buffer is never detached, and growing it keeps this view valid.
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer
    ? new Int32Array(buffer, os.base + Hdr.W_LOCK * 4, 1) : null;
}

/**
 * Takes the word for a call to `op`, or throws CONCURRENT_USE. One atomic operation; the
 * caller puts FREE back with a plain store: the word detects overlapping calls, it does not
 * order memory between threads (a program that hands the heap from one thread to another
 * synchronizes, postMessage or Atomics.wait / notify, as it must for its own data).
 */
export function takeBusyWord(word: Int32Array, op: string): void {
  if (Atomics.exchange(word, 0, BUSY) !== FREE) throw concurrentUse(op);
}

/** Whether a call holds the busy word of the heap at `os` now (false for memory without one). */
export function busyElsewhere(os: OsLayer): boolean {
  const word = busyWordOf(os);
  return word !== null && Atomics.load(word, 0) !== FREE;
}

export function concurrentUse(op: string): HeapError {
  return new HeapError(`${op}: another call is running on this heap (in another thread, or an event listener calling back into it): ` +
    'a heap from createHeap or attachHeap serves one call at a time; to allocate from several threads at once use createSharedHeap() (docs/threads.md)',
  'CONCURRENT_USE');
}

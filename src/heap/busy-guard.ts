/**
 * The busy word: refusing concurrent use of a heap made for one thread.
 *
 * A heap from createHeap / attachHeap has no locks: its allocator assumes that one call
 * runs at a time. In shared memory (a SharedArrayBuffer, a shared WebAssembly.Memory)
 * two threads can nevertheless attach Heaps to it and call them at once, and their
 * updates of the free lists would interleave and overwrite blocks without a word. So on
 * shared memory every call into the allocator takes the header's busy word (Hdr.W_LOCK,
 * which only the thread-shared heap uses otherwise) from 0 to 1 with one
 * Atomics.compareExchange, and puts 0 back when it returns or throws (a plain store, see leave()). A call that finds
 * the word taken throws HeapError CONCURRENT_USE before touching anything: the heap stays
 * as the running call leaves it. The word does not wait, it only refuses: correct programs
 * hand the heap from thread to thread with their own synchronization (or use the
 * thread-shared heap, which has per-thread arenas and a lock).
 *
 * Unshared memory cannot be seen by another thread: createHeap and attachHeap wrap the
 * policy in a BusyGuard only when the buffer is a SharedArrayBuffer, so the other
 * backings run the policy itself and pay nothing. The guard wraps the policy, not the
 * Heap: every facade (plain, arena, debug mode) goes through it, and calls that compose
 * several allocator calls (debug mode's realloc) never find their own word taken. A
 * listener that calls back into the heap during an event does: on shared memory it gets
 * CONCURRENT_USE (on other memory such a call would corrupt the heap silently as well).
 *
 * A thread stopped in the middle of a call (worker.terminate()) leaves the word taken,
 * and the heap half-updated: every later call is refused.
 */
import type { AllocatorPolicy, PolicyOptions, PolicyUsage } from '../alloc/policy.js';
import { HeapError } from '../base/errors.js';
import type { PolicyInternals } from '../base/internals.js';
import type { BlockInfo, HeapEventListener } from '../base/types.js';
import { Hdr } from '../os/header.js';
import type { OsLayer } from '../os/os-layer.js';

const FREE = 0;
const BUSY = 1;

/** The policy itself, or a BusyGuard around it when the heap's memory can be shared between threads. */
export function guardIfShared(policy: AllocatorPolicy, os: OsLayer): AllocatorPolicy {
  const buffer = os.backing.buffer;
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer ? new BusyGuard(policy, buffer, os.base) : policy;
}

/** An AllocatorPolicy that runs each call of `inner` under the busy word. */
export class BusyGuard implements AllocatorPolicy {
  readonly policyId: number;
  readonly name: string;
  readonly metadataBytes: number;
  /** The busy word alone. A shared buffer is never detached, and growing it keeps this view valid. */
  private readonly word: Int32Array;
  readonly mark?: () => number;
  readonly release?: (mark: number) => void;
  readonly reset?: () => void;
  readonly internals?: () => PolicyInternals;

  constructor(private readonly inner: AllocatorPolicy, buffer: SharedArrayBuffer, base: number) {
    this.policyId = inner.policyId;
    this.name = inner.name;
    this.metadataBytes = inner.metadataBytes;
    this.word = new Int32Array(buffer, base + Hdr.W_LOCK * 4, 1);
    if (inner.internals !== undefined) {
      this.internals = () => { this.enter('internals'); try { return inner.internals!(); } finally { this.leave(); } };
    }
    if (inner.mark !== undefined) {
      this.mark = () => { this.enter('mark'); try { return inner.mark!(); } finally { this.leave(); } };
      this.release = (mark) => { this.enter('release'); try { inner.release!(mark); } finally { this.leave(); } };
      this.reset = () => { this.enter('reset'); try { inner.reset!(); } finally { this.leave(); } };
    }
  }

  private enter(op: string): void {
    if (Atomics.compareExchange(this.word, 0, FREE, BUSY) !== FREE) throw concurrentUse(op);
  }

  /**
   * A plain store: the compareExchange is the one atomic operation a call pays. The word
   * detects overlapping calls; it does not order memory between threads (a program that
   * hands the heap from one thread to another synchronizes, postMessage or Atomics.wait /
   * notify, as it must for its own data).
   */
  private leave(): void {
    this.word[0] = FREE;
  }

  // ── calls into the allocator: under the word

  malloc(size: number): number {
    this.enter('malloc');
    try { return this.inner.malloc(size); } finally { this.leave(); }
  }

  free(ptr: number): void {
    this.enter('free');
    try { this.inner.free(ptr); } finally { this.leave(); }
  }

  realloc(ptr: number, size: number): number {
    this.enter('realloc');
    try { return this.inner.realloc(ptr, size); } finally { this.leave(); }
  }

  alignedAlloc(alignment: number, size: number): number {
    this.enter('alignedAlloc');
    try { return this.inner.alignedAlloc(alignment, size); } finally { this.leave(); }
  }

  usableSize(ptr: number): number {
    this.enter('usableSize');
    try { return this.inner.usableSize(ptr); } finally { this.leave(); }
  }

  trim(pad: number): number {
    this.enter('trim');
    try { return this.inner.trim(pad); } finally { this.leave(); }
  }

  check(): void {
    this.enter('check');
    try { this.inner.check(); } finally { this.leave(); }
  }

  blocks(): BlockInfo[] {
    this.enter('blocks');
    try { return this.inner.blocks(); } finally { this.leave(); }
  }

  usage(): PolicyUsage {
    this.enter('stats');
    try { return this.inner.usage(); } finally { this.leave(); }
  }

  // ── the rest reads views and settings, or runs before the heap is shared

  format(heapStart: number, options: PolicyOptions): void { this.inner.format(heapStart, options); }
  refresh(): void { this.inner.refresh(); }
  sync(): void { this.inner.sync(); }
  get generation(): number { return this.inner.generation; }
  get u8(): Uint8Array { return this.inner.u8; }
  get u32(): Uint32Array { return this.inner.u32; }
  get f64(): Float64Array { return this.inner.f64; }
  get work(): number { return this.inner.work; }
  maxRequest(): number { return this.inner.maxRequest(); }
  setListener(listener: HeapEventListener | null): void { this.inner.setListener(listener); }
}

/** Whether a call holds the busy word of the heap at `os` now (false for memory without one). */
export function busyElsewhere(os: OsLayer): boolean {
  const buffer = os.backing.buffer;
  if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) return false;
  return Atomics.load(new Int32Array(buffer, os.base + Hdr.W_LOCK * 4, 1), 0) !== FREE;
}

export function concurrentUse(op: string): HeapError {
  return new HeapError(`${op}: another call is running on this heap (in another thread, or an event listener calling back into it): ` +
    'a heap from createHeap or attachHeap serves one call at a time; to allocate from several threads at once use createSharedHeap() (docs/threads.md)',
  'CONCURRENT_USE');
}

/**
 * The public Heap: argument checks, out-of-memory policy, views, statistics
 * and events in front of an allocator policy. Memory figures live in the heap
 * header (shared by every Heap attached to the memory); call counters belong
 * to this object.
 */
import type { AllocatorPolicy } from '../alloc/policy.js';
import type { OsLayer } from '../os/os-layer.js';
import { Hdr } from '../os/header.js';
import { InvalidPointerError, ListenerError, OutOfMemoryError } from '../base/errors.js';
import type { PolicyInternals } from '../base/internals.js';
import type { AllocatorName, BlockInfo, HeapEvent, HeapEventListener, HeapStats, OutOfMemoryPolicy } from '../base/types.js';
import { assertAlignment, assertSize } from '../base/validate.js';
import { FREE, busyWordOf, takeBusyWord } from './busy-word.js';
import { dispatcher, type ListenerFault } from './listeners.js';

type TypedArrayConstructor<T> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

export class Heap {
  /** Requests above this can never succeed (the policy's answer for this heap's maxSize). */
  private readonly maxRequest: number;
  private readonly listeners: HeapEventListener[] = [];
  /** The first exception a listener threw during the current call (listeners.ts), thrown by settle(). */
  private listenerFault: ListenerFault | null = null;
  /**
   * Heap operations a subclass has open inside one of its own public calls (debug mode
   * composes several): a listener's exception waits for the outermost call to return.
   */
  protected nesting = 0;
  private readonly oomThrows: boolean;
  /** The header's busy word when the memory can be shared between threads (busy-word.ts), else null. */
  private readonly busy: Int32Array | null;
  private viewGeneration = -1;
  private views: Record<string, ArrayBufferView> = {};
  // this object's call counters
  private mallocCalls = 0;
  private callocCalls = 0;
  private reallocCalls = 0;
  private freeCalls = 0;
  private alignedAllocCalls = 0;

  /**
   * @internal use createHeap or attachHeap. `busy`: the busy word (busy-word.ts); a facade whose
   * policy locks for itself (the thread-shared heap, whose lock is that same header word) passes null.
   */
  constructor(protected readonly policy: AllocatorPolicy, protected readonly os: OsLayer, onOutOfMemory: OutOfMemoryPolicy,
    busy: Int32Array | null = busyWordOf(os)) {
    this.oomThrows = onOutOfMemory === 'throw';
    this.maxRequest = policy.maxRequest();
    this.busy = busy;
  }

  // ───────────────────────────────────── the C functions

  /** C malloc: a block of at least `size` bytes, 8-aligned, or 0. malloc(0) returns a unique minimum block. */
  malloc(size: number): number {
    this.mallocCalls++;
    if (typeof size !== 'number' || (size >>> 0) !== size || size > this.maxRequest) return this.oddSize('malloc', size);
    const busy = this.busy;
    if (busy !== null) takeBusyWord(busy, 'malloc');
    let p: number;
    try {
      this.policy.sync();
      p = this.policy.malloc(size);
    } finally {
      if (busy !== null) busy[0] = FREE;
    }
    if (this.listenerFault !== null) this.settle('malloc', p);
    return p !== 0 ? p : this.outOfMemory('malloc', size, 'no room left under maxSize');
  }

  /** C calloc: count*size zeroed bytes; 0 when the product overflows or exceeds maxSize. */
  calloc(count: number, size: number): number {
    this.callocCalls++;
    assertSize('calloc', 'count', count);
    assertSize('calloc', 'size', size);
    const total = count * size;
    if (!Number.isSafeInteger(total) || total > this.maxRequest) {
      return this.outOfMemory('calloc', total, `${count} * ${size} exceeds maxSize`);
    }
    const p = this.guarded('calloc', () => {
      const q = this.policy.malloc(total);
      if (q !== 0) this.policy.u8.fill(0, q, q + total);
      return q;
    });
    if (this.listenerFault !== null) this.settle('calloc', p);
    return p !== 0 ? p : this.outOfMemory('calloc', total, 'no room left under maxSize');
  }

  /**
   * C realloc with glibc's semantics: realloc(0, n) = malloc(n); realloc(p, 0)
   * frees p and returns 0; grows or shrinks in place when it can; on failure
   * returns 0 and leaves p untouched.
   */
  realloc(ptr: number, size: number): number {
    this.reallocCalls++;
    if (ptr === 0) return this.malloc(size);
    if (typeof size !== 'number' || (size >>> 0) !== size || size > this.maxRequest) {
      assertSize('realloc', 'size', size);
      this.policyUsableSize(ptr); // an invalid pointer is reported before the size
      return this.outOfMemory('realloc', size, 'exceeds maxSize');
    }
    const busy = this.busy;
    if (busy !== null) takeBusyWord(busy, 'realloc');
    let q: number;
    try {
      this.policy.sync();
      if (size === 0) {
        this.policy.free(ptr);
        q = 0;
      } else {
        q = this.policy.realloc(ptr, size);
      }
    } finally {
      if (busy !== null) busy[0] = FREE;
    }
    if (this.listenerFault !== null) this.settle('realloc', q);
    return q !== 0 || size === 0 ? q : this.outOfMemory('realloc', size, 'no room left under maxSize');
  }

  /** C free: free(0) is a no-op; anything else must be a live block's pointer. */
  free(ptr: number): void {
    this.freeCalls++;
    if (ptr === 0) return;
    const busy = this.busy;
    if (busy !== null) takeBusyWord(busy, 'free');
    try {
      this.policy.sync();
      this.policy.free(ptr);
    } finally {
      if (busy !== null) busy[0] = FREE;
    }
    if (this.listenerFault !== null) this.settle('free', undefined);
  }

  /** C aligned_alloc / posix_memalign: `alignment` a power of two. */
  alignedAlloc(alignment: number, size: number): number {
    this.alignedAllocCalls++;
    assertAlignment('alignedAlloc', alignment);
    if (typeof size !== 'number' || (size >>> 0) !== size || size > this.maxRequest - alignment) return this.oddSize('alignedAlloc', size);
    const p = this.guarded('alignedAlloc', () => this.policy.alignedAlloc(alignment, size));
    if (this.listenerFault !== null) this.settle('alignedAlloc', p);
    return p !== 0 ? p : this.outOfMemory('alignedAlloc', size, 'no room left under maxSize');
  }

  /** Bytes usable at ptr (at least what was requested). */
  usableSize(ptr: number): number {
    return this.policyUsableSize(ptr);
  }

  /** The policy's usable size at ptr (not a subclass's: debug mode overrides usableSize). */
  private policyUsableSize(ptr: number): number {
    return this.guarded('usableSize', () => this.policy.usableSize(ptr));
  }

  /**
   * Runs `call` (which calls into the policy) with the policy's views synced, under the busy
   * word on shared memory: the calls that are not on the hot path. malloc, free and realloc
   * do the same inline.
   */
  protected guarded<T>(op: string, call: () => T): T {
    const busy = this.busy;
    if (busy !== null) takeBusyWord(busy, op);
    try {
      this.policy.sync();
      return call();
    } finally {
      if (busy !== null) busy[0] = FREE;
    }
  }

  /**
   * Throws what a listener threw during this call, as a ListenerError carrying the call's
   * result, once the heap is consistent again: at the end of the outermost call (a
   * subclass composing several operations calls it again at the end of its own).
   */
  protected settle(op: string, result: number | undefined): void {
    const fault = this.listenerFault;
    if (fault === null || this.nesting !== 0) return;
    this.listenerFault = null;
    throw new ListenerError(op, fault.event, result, fault.error);
  }

  /** Forgets a listener's exception: the call is throwing an error of its own, which wins. */
  protected dropListenerFault(): void {
    this.listenerFault = null;
  }

  private oddSize(op: string, size: unknown): number {
    assertSize(op, 'size', size);
    return this.outOfMemory(op, size, `exceeds maxSize (${this.maxRequest} bytes at most)`);
  }

  private outOfMemory(op: string, size: number, reason: string): number {
    if (this.oomThrows) throw new OutOfMemoryError(op, size, reason);
    return 0;
  }

  // ───────────────────────────────────── memory access

  /** The backing itself: ArrayBuffer, SharedArrayBuffer or WebAssembly.Memory. */
  get memory(): ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory {
    return this.os.backing.memory;
  }

  get u8(): Uint8Array { this.policy.sync(); return this.policy.u8; }
  get u32(): Uint32Array { this.policy.sync(); return this.policy.u32; }
  get f64(): Float64Array { this.policy.sync(); return this.policy.f64; }
  get i8(): Int8Array { return this.cached(Int8Array); }
  get u16(): Uint16Array { return this.cached(Uint16Array); }
  get i16(): Int16Array { return this.cached(Int16Array); }
  get i32(): Int32Array { return this.cached(Int32Array); }
  get f32(): Float32Array { return this.cached(Float32Array); }
  get i64(): BigInt64Array { return this.cached(BigInt64Array); }
  get u64(): BigUint64Array { return this.cached(BigUint64Array); }
  get dataView(): DataView {
    this.refreshViews();
    let v = this.views['DataView'] as DataView | undefined;
    if (!v) this.views['DataView'] = v = new DataView(this.policy.u8.buffer, 0, this.policy.u8.byteLength);
    return v;
  }

  private refreshViews(): void {
    this.policy.sync();
    if (this.viewGeneration !== this.policy.generation) {
      this.views = {};
      this.viewGeneration = this.policy.generation;
    }
  }

  private cached<T extends ArrayBufferView>(ctor: TypedArrayConstructor<T>): T {
    this.refreshViews();
    let v = this.views[ctor.name] as T | undefined;
    if (!v) {
      const bytes = this.policy.u8.byteLength;
      this.views[ctor.name] = v = new ctor(this.policy.u8.buffer, 0, Math.floor(bytes / ctor.BYTES_PER_ELEMENT));
    }
    return v;
  }

  /** A typed view of a block: `length` elements (default: as many as fit in its usable size). */
  view<T extends ArrayBufferView>(ptr: number, ctor: TypedArrayConstructor<T>, length?: number): T {
    assertViewArguments(ptr, ctor);
    const usable = this.policyUsableSize(ptr);
    const per = ctor.BYTES_PER_ELEMENT;
    if (ptr % per !== 0) throw new RangeError(`view: pointer ${ptr} is not aligned to ${ctor.name}'s ${per} bytes`);
    const max = Math.floor(usable / per);
    const n = length ?? max;
    assertSize('view', 'length', n);
    if (n > max) throw new RangeError(`view: ${n} ${ctor.name} elements (${n * per} bytes) do not fit the ${usable} usable bytes at ${ptr}`);
    return new ctor(this.policy.u8.buffer, ptr, n);
  }

  /** Start of the fixed static area reserved at creation (its size is stats().staticSize). */
  get staticBase(): number {
    return this.policy.u32[this.os.hw + Hdr.W_STATIC_BASE];
  }

  // ───────────────────────────────────── inspection

  stats(): HeapStats {
    this.policy.sync();
    const u32 = this.policy.u32;
    const f = this.policy.f64;
    const hf = this.os.hf;
    const hw = this.os.hw;
    const brk = u32[hw + Hdr.W_BRK];
    const usage = this.guarded('stats', () => this.policy.usage());
    const freeBytes = usage.freeBytes;
    const largest = usage.largestFreeBlock;
    const peakHeapSize = f[hf + Hdr.F_PEAK_BRK];
    const peakLiveBytes = u32[hw + Hdr.W_PEAK_LIVE_BYTES];
    const allocs = f[hf + Hdr.F_ALLOCS];
    return {
      heapSize: brk,
      peakHeapSize,
      backingSize: this.os.backing.byteLength,
      liveBytes: u32[hw + Hdr.W_LIVE_BYTES],
      peakLiveBytes,
      liveBlocks: allocs - f[hf + Hdr.F_FREES],
      usedBytes: usage.usedBytes,
      freeBytes,
      freeBlocks: usage.freeBlocks,
      largestFreeBlock: largest,
      externalFragmentation: freeBytes > 0 ? 1 - largest / freeBytes : 0,
      utilization: peakHeapSize > 0 ? peakLiveBytes / peakHeapSize : 0,
      metadataBytes: u32[hw + Hdr.W_STATIC_BASE] - this.os.base,
      staticSize: u32[hw + Hdr.W_STATIC_SIZE],
      osGrows: f[hf + Hdr.F_OS_GROWS],
      osBytesGrown: f[hf + Hdr.F_OS_BYTES_GROWN],
      osShrinks: f[hf + Hdr.F_OS_SHRINKS],
      osBytesReturned: f[hf + Hdr.F_OS_BYTES_RETURNED],
      sbrkCalls: f[hf + Hdr.F_SBRK_CALLS],
      runsMapped: f[hf + Hdr.F_RUNS_MAPPED],
      runsUnmapped: f[hf + Hdr.F_RUNS_UNMAPPED],
      mappedBytes: f[hf + Hdr.F_MAPPED_BYTES],
      mallocCalls: this.mallocCalls,
      callocCalls: this.callocCalls,
      reallocCalls: this.reallocCalls,
      freeCalls: this.freeCalls,
      alignedAllocCalls: this.alignedAllocCalls,
      reusedAllocs: allocs - f[hf + Hdr.F_GROWN_ALLOCS],
      grownAllocs: f[hf + Hdr.F_GROWN_ALLOCS],
    };
  }

  /**
   * Returns free memory at the top to the OS layer, keeping `pad` bytes, and
   * on a backing that can shrink ('resizable') gives back all capacity above
   * the break (never below initialSize). Returns how far the break fell.
   */
  trim(pad = 0): number {
    assertSize('trim', 'pad', pad);
    const released = this.guarded('trim', () => {
      const fell = this.policy.trim(pad);
      this.policy.sync();
      if (this.os.releaseCapacity(this.policy.u32, this.policy.f64) !== 0) this.policy.sync();
      return fell;
    });
    if (this.listenerFault !== null) this.settle('trim', released);
    return released;
  }

  /** Walks every block and free list; throws HeapCorruptionError naming the block and the broken invariant. */
  check(): void {
    this.guarded('check', () => this.policy.check());
  }

  /** Every block in address order: the raw material of heap maps. */
  blocks(): BlockInfo[] {
    return this.guarded('blocks', () => this.policy.blocks());
  }

  /**
   * The policy's own structures at this moment, as plain data (see PolicyInternals): TLSF's
   * bitmaps and lists, the buddy system's orders, the pool's free list, and so on; what the
   * report's step mode draws. Walks the free lists: O(free blocks), like blocks().
   */
  internals(): PolicyInternals {
    return this.guarded('internals', () => this.policy.internals?.() ?? { kind: 'none', policy: this.policy.name });
  }

  /** Name of the allocator policy behind this heap ('segfit', 'tlsf', ...). */
  get allocator(): AllocatorName {
    return this.policy.name as AllocatorName;
  }

  /** The same as `allocator` (kept for code written before it). */
  get policyName(): string {
    return this.policy.name;
  }

  /**
   * Cumulative units of work the allocator has done: one per free-list node or block
   * examined and per bin list or bitmap word probed. The difference across one call is
   * that call's work, the machine-independent measure of its worst case.
   */
  get workUnits(): number {
    return this.policy.work;
  }

  /**
   * Calls `listener` with one event per step of the allocation flow. Returns a
   * function that removes it. With no listener, the flow pays one null check per step
   * (and the call one more, for a listener's exception).
   *
   * A listener that throws never stops the allocator half-way: its exception is caught,
   * the other listeners still get the event, the call completes, and then the call throws
   * a ListenerError (`cause`: the listener's exception; `result`: what the call returned,
   * e.g. malloc's pointer, which is live).
   */
  onEvent(listener: HeapEventListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent: listener must be a function');
    this.listeners.push(listener);
    this.installListeners();
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
      this.installListeners();
    };
  }

  private installListeners(): void {
    if (this.listeners.length === 0) {
      this.policy.setListener(null);
      return;
    }
    this.policy.setListener(dispatcher(this.listeners, (event: HeapEvent, error: unknown) => {
      this.listenerFault ??= { event: event.type, error };
    }));
  }
}


/** The constructors of Int8Array ... BigUint64Array (their common prototype is %TypedArray%). */
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array) as object;

/** view(ptr, ctor): our own errors for a constructor that is no typed array's and for NULL. */
export function assertViewArguments(ptr: unknown, ctor: unknown): void {
  if (!isTypedArrayConstructor(ctor)) {
    throw new TypeError(`view: the second argument must be a typed array constructor (Uint8Array, Float64Array, ...), got ${describeValue(ctor)}`);
  }
  if (ptr === 0) throw new InvalidPointerError('view', 0, 'NULL (0 is never a block)');
}

function isTypedArrayConstructor(ctor: unknown): boolean {
  return typeof ctor === 'function' && Object.getPrototypeOf(ctor) === TYPED_ARRAY;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'function') return v.name || 'a function';
  return typeof v;
}

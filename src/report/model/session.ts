/**
 * A replay session: one trace under one heap configuration, replayed once from start to
 * end (timelines, lifetimes, checkpoints), then moved to any op on demand.
 *
 *   cursor t = ops applied (0..n): the heap as it is after ops 0..t-1.
 *   seek(t): restore the nearest checkpoint at or before t, replay the rest.
 *
 * The trace's ids become pointers through `resultPtr` (the pointer op i returned) and
 * `srcOp` (for a free or realloc: the op whose pointer it passes), both filled before or
 * during the first pass; a replay from a checkpoint needs nothing else.
 */
import { createHeap, type AllocatorName, type BackingKind, type BlockInfo, type Heap, type HeapOptions } from '../../index.js';
import { allocateAligned, opAlignment } from '../../trace/replay-heap.js';
import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from '../../trace/types.js';
import { memoryAbove, restoreCheckpoint, takeCheckpoint, type Checkpoint } from './checkpoints.js';
import { fragmentationOf } from './fragmentation.js';
import { Series } from './series.js';
import type { AnyEvent } from './step-log.js';

export interface SessionSpec {
  /** Shown above this session's views. */
  label: string;
  /** The allocator policy (createHeap's `allocator`); absent: the default policy. */
  allocator?: AllocatorName;
  backing: BackingKind;
  /** Further createHeap options (thresholds, page size). */
  options?: Omit<HeapOptions, 'backing' | 'debug' | 'memory' | 'base'>;
  /**
   * Backing 'wasm' only: the heap starts at this offset of its WebAssembly.Memory, as a Wasm
   * module's heap lies above its data and stack (`__heap_base`), so the replay's pointers are
   * the ones the recorded program saw.
   */
  base?: number;
}

export interface SessionLimits {
  /** Bytes all checkpoints of this session may take together. */
  checkpointBudget: number;
  /** Fewest ops between checkpoints. */
  minCheckpointSpacing: number;
  /** Most ops between checkpoints (bounds the replay of a seek; wins over the budget). */
  maxCheckpointSpacing: number;
  /** Timeline samples over the whole trace, at most. */
  samples: number;
  /** Heap walks (fragmentation spread) over the whole trace, at most. */
  walks: number;
}

export const DEFAULT_LIMITS: SessionLimits = { checkpointBudget: 64 * 2 ** 20, minCheckpointSpacing: 4096, maxCheckpointSpacing: 100_000, samples: 4000, walks: 120 };

const MAX_SIZE = 2 ** 31;

export class ReplaySession {
  readonly n: number;
  readonly resultPtr: Float64Array;
  readonly srcOp: Int32Array;
  /** For an alloc or realloc op: the op that frees or moves its block (n while it lives on). */
  readonly deathOp: Int32Array;
  readonly series: Series;
  /** Heap-walk figures (walkNext): ops applied, external fragmentation, spread. */
  readonly walks = { x: [] as number[], spread: [] as number[], external: [] as number[] };
  readonly checkpoints: Checkpoint[] = [];
  /** Ops replayed by the first pass so far; the session is ready when it equals n. */
  progress = 0;
  /** Failed allocations (0 returned) in the first pass. */
  failedAllocs = 0;

  private heap: Heap;
  private at = 0;
  private nextCheckpoint = 0;
  private readonly walkEvery: number;
  private walked = 0;

  constructor(readonly trace: Trace, readonly spec: SessionSpec, private readonly limits: SessionLimits = DEFAULT_LIMITS) {
    const n = trace.length;
    this.n = n;
    this.resultPtr = new Float64Array(n);
    this.srcOp = new Int32Array(n).fill(-1);
    this.deathOp = new Int32Array(n).fill(n);
    const lastOp = new Int32Array(trace.idCount).fill(-1);
    for (let i = 0; i < n; i++) {
      const id = trace.ids[i];
      if (trace.kinds[i] !== OP_ALLOC) {
        const src = lastOp[id];
        this.srcOp[i] = src;
        if (src >= 0) this.deathOp[src] = i;
      }
      lastOp[id] = trace.kinds[i] === OP_FREE ? -1 : i;
    }
    const every = Math.max(1, Math.ceil(n / limits.samples));
    this.series = new Series(every, Math.floor(n / every) + 2);
    this.walkEvery = Math.max(1, Math.ceil(n / limits.walks));
    this.heap = this.freshHeap();
    this.checkpoint();
    this.series.record(this.heap, 0);
  }

  get label(): string { return this.spec.label; }
  get ready(): boolean { return this.progress === this.n; }
  /** The heap at the cursor (after seek). */
  get current(): Heap { return this.heap; }
  get cursor(): number { return this.at; }

  /** Runs up to `budget` more ops of the first pass; returns true when the pass is complete. */
  runSome(budget: number): boolean {
    const end = Math.min(this.n, this.progress + budget);
    const every = this.series.every;
    while (this.at < end) {
      const i = this.at;
      this.apply(this.heap, i);
      if (this.resultPtr[i] === 0 && this.trace.kinds[i] !== OP_FREE && this.trace.sizes[i] > 0) this.failedAllocs++;
      this.at = i + 1;
      if (this.at >= this.nextCheckpoint && this.at < this.n) this.checkpoint();
      if (this.at % every === 0 || this.at === this.n) this.series.record(this.heap, this.at);
    }
    this.progress = end;
    return this.ready;
  }

  /** Moves the heap to `t` ops applied. Only after the first pass (pointers are known). */
  seek(t: number): Heap {
    if (!this.ready) throw new Error('seek: the first pass has not finished');
    if (!Number.isInteger(t) || t < 0 || t > this.n) throw new RangeError(`seek: op ${t} is outside [0, ${this.n}]`);
    const cp = this.checkpointAt(t);
    if (t < this.at || cp.op > this.at) {
      this.heap = restoreCheckpoint(cp, this.spec.backing, MAX_SIZE, this.spec.base ?? 0);
      this.at = cp.op;
    }
    while (this.at < t) this.apply(this.heap, this.at++);
    return this.heap;
  }

  /** The events of op `i` (taking the heap from i to i + 1 ops applied); leaves the cursor at i + 1. */
  eventsOf(i: number): AnyEvent[] {
    const heap = this.seek(i);
    const events: AnyEvent[] = [];
    const off = heap.onEvent((e) => events.push(e));
    try {
      this.apply(heap, i);
      this.at = i + 1;
    } finally {
      off();
    }
    return events;
  }

  blocksAt(t: number): BlockInfo[] {
    return this.seek(t).blocks();
  }

  /** The alloc/realloc op before `t` that returned `ptr` (the op that made a live block), or -1. */
  birthOf(ptr: number, t: number): number {
    const kinds = this.trace.kinds;
    for (let j = Math.min(t, this.n) - 1; j >= 0; j--) {
      if (this.resultPtr[j] === ptr && kinds[j] !== OP_FREE && this.deathOp[j] >= t) return j;
    }
    return -1;
  }

  private apply(heap: Heap, i: number): void {
    const kind = this.trace.kinds[i];
    if (kind === OP_ALLOC) {
      // a captured posix_memalign, memalign or valloc asks for its alignment, as in `heapflow replay`
      this.resultPtr[i] = allocateAligned(heap, opAlignment(this.trace.detail?.aligns, i), this.trace.sizes[i]);
      return;
    }
    const src = this.srcOp[i];
    const ptr = src >= 0 ? this.resultPtr[src] : 0;
    if (kind === OP_FREE) {
      if (ptr !== 0) heap.free(ptr);
    } else if (kind === OP_REALLOC) {
      const q = heap.realloc(ptr, this.trace.sizes[i]);
      // A failed realloc leaves the block where it was, as C's does.
      this.resultPtr[i] = q === 0 && this.trace.sizes[i] > 0 ? ptr : q;
    }
  }

  private freshHeap(): Heap {
    const options: HeapOptions = { ...this.spec.options, backing: this.spec.backing, maxSize: MAX_SIZE };
    if (this.spec.allocator !== undefined) options.allocator = this.spec.allocator;
    if (this.spec.base) {
      options.memory = memoryAbove(this.spec.base, MAX_SIZE);
      options.base = this.spec.base;
    }
    return createHeap(options);
  }

  private checkpoint(): void {
    const cp = takeCheckpoint(this.heap, this.at);
    this.checkpoints.push(cp);
    const spacing = Math.ceil(this.n * cp.bytes.length / this.limits.checkpointBudget);
    this.nextCheckpoint = this.at + Math.min(this.limits.maxCheckpointSpacing, Math.max(this.limits.minCheckpointSpacing, spacing));
  }

  private checkpointAt(t: number): Checkpoint {
    const cps = this.checkpoints;
    let lo = 0, hi = cps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cps[mid].op <= t) lo = mid; else hi = mid - 1;
    }
    return cps[lo];
  }

  /**
   * One more heap walk at the next evenly spaced op (after the first pass: walks cost a
   * heap walk each, so the page runs them after its first picture). False when all are done.
   */
  walkNext(): boolean {
    const op = Math.min(this.n, this.walked * this.walkEvery);
    if (op > this.n || (this.walked > 0 && this.walks.x[this.walks.x.length - 1] === this.n)) return false;
    const f = fragmentationOf(this.seek(op).blocks());
    this.walks.x.push(op);
    this.walks.spread.push(f.spread);
    this.walks.external.push(f.external);
    this.walked++;
    return true;
  }
}

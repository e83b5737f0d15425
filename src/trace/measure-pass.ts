/**
 * Pass (a) of a replay, as in the malloc-lab driver: replays the trace once on a fresh
 * heap, measuring (peak live bytes, peak heap size, fragmentation at the peak, OS and
 * reuse counters) and, when `verify` is on, checking every block:
 *
 *   - the pointer is 8-aligned and the payload lies inside [0, heapSize);
 *   - the payload overlaps no other live payload (ownership shadow, checked on allocation);
 *   - every payload byte keeps the pattern written when it was allocated, checked in full
 *     on free, and on realloc for the first min(old, new) bytes at the new address;
 *   - heap.check() passes at regular intervals and at the end;
 *   - stats() agrees with the trace on live bytes and blocks (and peak live bytes are no lower).
 *
 * A malloc/realloc returning 0 for a non-zero size is an error; returning 0 for size 0 is
 * the C "NULL for malloc(0)" answer and is accepted (realloc(p, 0) = 0 means p was freed).
 * An exception from the heap stops the pass (its state can no longer be trusted).
 *
 * Liveness of the trace must have been checked (checkLiveness) before: one slot per id.
 */

import type { HeapStats } from '../base/types.js';
import { findPatternMismatch, fillPattern, patternByte } from './pattern.js';
import { allocateAligned, describeThrown, opAlignment, type ReplayHeap } from './replay-heap.js';
import { OwnerShadow } from './shadow.js';
import { lineOfOp, OP_ALLOC, OP_FREE, type Trace } from './types.js';

export interface MeasureOutcome {
  /** Number of failed checks (0 when not verifying, unless an allocation failed). */
  errors: number;
  /** The first few errors, one line each, as `source:line: op: what`. */
  errorMessages: string[];
  /** Sum of requested sizes of the blocks held, at its highest. */
  peakLiveBytes: number;
  /** Highest stats().heapSize seen (and never less than what stats() reports as the peak). */
  peakHeapSize: number;
  /** stats().externalFragmentation right after the op that reached peakLiveBytes. */
  externalFragmentationAtPeak: number;
  /** stats() after the last op. */
  finalStats: HeapStats;
  /** The most work units one op took, and the 99.9th percentile over the ops (0 when the heap does not count). */
  workMax: number;
  workP999: number;
}

/** How many error messages are kept; the count goes on. */
const REPORTED_ERRORS = 5;
/** Past this many errors the pass stops: the allocator is broken, more lines add nothing. */
const MAX_ERRORS = 1000;
/** heap.check() runs about this many times per pass (and once at the end). */
const CHECKS_PER_PASS = 64;
/** Progress is reported every this many ops. */
const PROGRESS_EVERY = 8192;

/** Thrown inside the pass to stop it; caught by runMeasurePass. */
class StopPass extends Error {}

export function runMeasurePass(
  heap: ReplayHeap,
  trace: Trace,
  verify: boolean,
  onProgress?: (opsDone: number) => void,
): MeasureOutcome {
  return new MeasurePass(heap, trace, verify).run(onProgress);
}

class MeasurePass {
  // Per id: the current block (0 = none) and its requested size.
  private readonly ptrs: Float64Array;
  private readonly sizes: Float64Array;
  private readonly shadow = new OwnerShadow();
  private u8: Uint8Array;
  private u32: Uint32Array;

  private liveBytes = 0;
  private liveBlocks = 0;
  private peakLiveBytes = 0;
  private peakHeapSize = 0;
  private fragmentationAtPeak = 0;
  private errors = 0;
  private readonly errorMessages: string[] = [];
  /** Index of the op being replayed, for messages. */
  private op = 0;
  /** stats() after the latest heap call; kept only when verifying (one call per op). */
  private stats: HeapStats | undefined;

  constructor(private readonly heap: ReplayHeap, private readonly trace: Trace, private readonly verify: boolean) {
    this.ptrs = new Float64Array(trace.idCount);
    this.sizes = new Float64Array(trace.idCount);
    this.u8 = heap.u8;
    this.u32 = heap.u32;
    this.refreshViews();
  }

  run(onProgress?: (opsDone: number) => void): MeasureOutcome {
    const { trace, heap } = this;
    const checkEvery = Math.max(1, Math.ceil(trace.length / CHECKS_PER_PASS));
    const work = new Float64Array(trace.length);
    try {
      for (let i = 0; i < trace.length; i++) {
        this.op = i;
        const kind = trace.kinds[i];
        const id = trace.ids[i] as number;
        const size = trace.sizes[i] as number;
        const workBefore = heap.workUnits ?? 0;
        if (kind === OP_ALLOC) this.allocate(id, size, opAlignment(trace.detail?.aligns, i));
        else if (kind === OP_FREE) this.release(id);
        else this.reallocate(id, size);
        work[i] = (heap.workUnits ?? 0) - workBefore;
        this.afterOp();
        if (this.verify && (i + 1) % checkEvery === 0) this.checkHeap();
        if (onProgress !== undefined && (i + 1) % PROGRESS_EVERY === 0) onProgress(i + 1);
      }
      if (this.verify) this.checkHeap();
    } catch (error) {
      if (!(error instanceof StopPass)) {
        this.fail(`the heap threw ${describeThrown(error)}; replay stopped`);
      }
    }
    onProgress?.(trace.length);
    const finalStats = heap.stats();
    if (this.verify) this.compareStats(finalStats);
    return {
      errors: this.errors,
      errorMessages: this.errorMessages,
      peakLiveBytes: this.peakLiveBytes,
      peakHeapSize: Math.max(this.peakHeapSize, finalStats.peakHeapSize),
      externalFragmentationAtPeak: this.fragmentationAtPeak,
      finalStats,
      ...workFigures(work),
    };
  }

  // ---------------------------------------------------------------- ops

  private allocate(id: number, size: number, align: number): void {
    const ptr = allocateAligned(this.heap, align, size);
    this.refreshViews();
    if (ptr === 0) {
      if (size > 0) this.fail(align > 0 ? `alignedAlloc(${align}) returned 0` : 'malloc returned 0');
      return;
    }
    if (align > 0 && ptr % align !== 0) {
      this.fail(`alignedAlloc(${align}) returned ${ptr}, which is not ${align}-aligned`);
      return;
    }
    this.adopt(id, ptr, size, 0);
  }

  private release(id: number): void {
    const ptr = this.ptrs[id] as number;
    if (ptr === 0) return; // free(NULL): the allocation failed (already reported) or was malloc(0) = NULL
    const size = this.sizes[id] as number;
    if (this.verify) {
      this.expectPattern(id, ptr, size, size, 'was overwritten while live');
      this.shadow.release(ptr, size);
    }
    this.heap.free(ptr);
    this.refreshViews();
    this.forget(id);
  }

  private reallocate(id: number, size: number): void {
    const ptr = this.ptrs[id] as number;
    if (ptr === 0) {
      this.allocate(id, size, 0); // realloc(NULL, n) is malloc(n)
      return;
    }
    const oldSize = this.sizes[id] as number;
    // The new block may legally overlap the old one; the old one stops being owned first.
    if (this.verify) this.shadow.release(ptr, oldSize);
    const result = this.heap.realloc(ptr, size);
    this.refreshViews();
    if (result === 0) {
      if (size === 0) {
        this.forget(id); // realloc(p, 0) freed p
        return;
      }
      this.fail('realloc returned 0');
      if (this.verify) this.shadow.claim(ptr, oldSize, id + 1); // the old block stays valid
      return;
    }
    // The pattern of the kept prefix is checked at the new address only: if the old block
    // was damaged before the call, the copy carries the damage, so one check covers both.
    this.forget(id);
    this.adopt(id, result, size, Math.min(oldSize, size), ptr);
  }

  /** Takes `ptr` as the block of `id`: checks its placement, then fills bytes [keep, size). */
  private adopt(id: number, ptr: number, size: number, keep: number, movedFrom = -1): void {
    this.ptrs[id] = ptr;
    this.sizes[id] = size;
    this.liveBytes += size;
    this.liveBlocks++;
    if (!this.verify || !this.checkPlacement(id, ptr, size)) return;
    if (keep > 0) {
      const how = movedFrom === ptr || movedFrom < 0 ? 'in place' : `moved from ${movedFrom}`;
      this.expectPattern(id, ptr, size, keep, `was not preserved by realloc (${how})`);
    }
    fillPattern(this.u8, this.u32, ptr, id, keep, size);
  }

  private forget(id: number): void {
    this.liveBytes -= this.sizes[id] as number;
    this.liveBlocks--;
    this.ptrs[id] = 0;
    this.sizes[id] = 0;
  }

  private afterOp(): void {
    const stats = this.stats;
    if (stats !== undefined && stats.heapSize > this.peakHeapSize) this.peakHeapSize = stats.heapSize;
    if (this.liveBytes > this.peakLiveBytes) {
      this.peakLiveBytes = this.liveBytes;
      this.fragmentationAtPeak = (stats ?? this.heap.stats()).externalFragmentation;
    }
  }

  // ---------------------------------------------------------------- checks

  /**
   * Alignment, bounds and overlap of a new block. Returns false if the block cannot be
   * used at all (misaligned or outside the heap): then it is neither filled nor checked.
   */
  private checkPlacement(id: number, ptr: number, size: number): boolean {
    if (ptr % 8 !== 0) {
      this.fail(`returned ${ptr}, which is not 8-aligned`);
      return false;
    }
    const heapSize = (this.stats as HeapStats).heapSize;
    const end = ptr + size;
    if (ptr < 0 || end > heapSize || end > this.u8.length) {
      this.fail(`block [${ptr}, ${end}) is outside the heap [0, ${heapSize})`);
      return false;
    }
    if (size === 0) return true;
    const conflict = this.shadow.claim(ptr, size, id + 1);
    if (conflict !== 0) {
      const other = conflict - 1;
      const otherPtr = this.ptrs[other] as number;
      const otherEnd = otherPtr + (this.sizes[other] as number);
      this.fail(`block [${ptr}, ${end}) overlaps the live block of id ${other} at [${otherPtr}, ${otherEnd})`);
    }
    return true;
  }

  /** Bytes [0, upTo) of the block of `id` at `ptr` must hold its pattern. */
  private expectPattern(id: number, ptr: number, size: number, upTo: number, what: string): void {
    if (ptr % 8 !== 0 || ptr + size > this.u8.length) return; // reported by checkPlacement, never filled
    const k = findPatternMismatch(this.u8, this.u32, ptr, id, 0, upTo);
    if (k < 0) return;
    const got = this.u8[ptr + k] as number;
    this.fail(`byte ${k} of the block of id ${id} at ${ptr} (size ${size}) ${what}: `
      + `it is ${hex(got)}, expected ${hex(patternByte(id, k))}`);
  }

  private checkHeap(): void {
    try {
      this.heap.check();
    } catch (error) {
      this.fail(`heap.check() failed after this op: ${describeThrown(error)}`);
      throw new StopPass();
    }
  }

  /** The heap's own accounting must agree with what the trace holds. */
  private compareStats(stats: HeapStats): void {
    const end = `${this.trace.source}: after the last op`;
    if (stats.liveBytes !== this.liveBytes) {
      this.record(`${end}: stats().liveBytes is ${stats.liveBytes}, the trace holds ${this.liveBytes}`);
    }
    if (stats.liveBlocks !== this.liveBlocks) {
      this.record(`${end}: stats().liveBlocks is ${stats.liveBlocks}, the trace holds ${this.liveBlocks}`);
    }
    // Only a lower bound: a realloc that moves holds both blocks for a moment, and the heap may
    // count that moment; the trace's peak (the malloc-lab definition) is between ops.
    if (stats.peakLiveBytes < this.peakLiveBytes) {
      this.record(`${end}: stats().peakLiveBytes is ${stats.peakLiveBytes}, below the trace's peak ${this.peakLiveBytes}`);
    }
    if (stats.peakHeapSize < this.peakHeapSize) {
      this.record(`${end}: stats().peakHeapSize is ${stats.peakHeapSize}, but heapSize reached ${this.peakHeapSize}`);
    }
  }

  // ---------------------------------------------------------------- bookkeeping

  /** After every heap call: fresh views (the backing may have moved) and, when verifying, fresh stats. */
  private refreshViews(): void {
    const heap = this.heap;
    this.u8 = heap.u8;
    this.u32 = heap.u32;
    if (this.verify) {
      this.shadow.cover(this.u8.length);
      this.stats = heap.stats();
    }
  }

  /** Records an error at the current op. */
  private fail(detail: string): void {
    const i = this.op;
    const line = lineOfOp(this.trace, i);
    const where = line > 0 ? `${this.trace.source}:${line}` : `${this.trace.source}: op ${i}`;
    this.record(`${where}: ${describeOp(this.trace, i)}: ${detail}`);
    if (this.errors >= MAX_ERRORS) throw new StopPass();
  }

  private record(message: string): void {
    this.errors++;
    if (this.errorMessages.length < REPORTED_ERRORS) this.errorMessages.push(message);
  }
}

function describeOp(trace: Trace, i: number): string {
  const kind = trace.kinds[i];
  const id = trace.ids[i];
  if (kind === OP_FREE) return `f ${id}`;
  return `${kind === OP_ALLOC ? 'a' : 'r'} ${id} ${trace.sizes[i]}`;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** The maximum and the 99.9th percentile (nearest rank) of the per-op work counts. */
function workFigures(work: Float64Array): { workMax: number; workP999: number } {
  if (work.length === 0) return { workMax: 0, workP999: 0 };
  const sorted = work.slice().sort();
  const rank = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.999) - 1);
  return { workMax: sorted[sorted.length - 1] as number, workP999: sorted[rank] as number };
}

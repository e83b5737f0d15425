/**
 * Shared helpers of the heap-*.test.ts suites: per-block byte patterns, a
 * model of the live blocks (pointer -> requested size and fill seed), and a
 * full cross-check of a Heap against that model (check(), blocks(), stats(),
 * contents). Every helper re-reads heap.u8 (views are replaced on growth).
 */
import assert from 'node:assert/strict';
import type { BackingKind, BlockInfo, Heap, HeapStats } from '../../src/index.js';
import { POLICY_GEOMETRY } from './geometry.js';

export const BACKINGS: readonly BackingKind[] = ['arraybuffer', 'resizable', 'shared', 'wasm'];

/** Byte i of a block filled with seed `fill`: not periodic in 8, 256 or a page, so a shifted copy is seen. */
export function patternByte(fill: number, i: number): number {
  return (fill + i * 31 + (i >>> 8) * 7 + (i >>> 16) * 13) & 255;
}

export function writePattern(heap: Heap, p: number, size: number, fill: number, from = 0): void {
  const u8 = heap.u8;
  for (let i = from; i < size; i++) u8[p + i] = patternByte(fill, i);
}

/** Index of the first byte of [p, p+size) that differs from the pattern, or -1. */
export function patternMismatch(heap: Heap, p: number, size: number, fill: number, from = 0): number {
  const u8 = heap.u8;
  for (let i = from; i < size; i++) if (u8[p + i] !== patternByte(fill, i)) return i;
  return -1;
}

export function assertPattern(heap: Heap, p: number, size: number, fill: number, what: string): void {
  const i = patternMismatch(heap, p, size, fill);
  if (i >= 0) {
    assert.fail(`${what}: block ${p} (${size} bytes, fill ${fill}) byte ${i} is ${heap.u8[p + i]}, expected ${patternByte(fill, i)}`);
  }
}

export interface LiveBlock { size: number; fill: number; align: number }

/** One call of the model-based property tests (pick: which live block, by index modulo their number). */
export type HeapOp =
  | { t: 'malloc'; size: number }
  | { t: 'calloc'; count: number; size: number }
  | { t: 'realloc'; pick: number; size: number }
  | { t: 'free'; pick: number }
  | { t: 'aligned'; alignLog: number; size: number }
  | { t: 'trim'; pad: number };

/** The model: what the program believes is live. */
export class Model {
  readonly live = new Map<number, LiveBlock>();
  liveBytes = 0;
  peakLiveBytes = 0;
  private nextFill = 1;

  newFill(): number {
    const f = this.nextFill;
    this.nextFill = (this.nextFill * 7 + 3) % 251 + 1;
    return f;
  }

  add(p: number, size: number, fill: number, align = 8): void {
    assert.ok(!this.live.has(p), `pointer ${p} returned while still live`);
    this.live.set(p, { size, fill, align });
    this.liveBytes += size;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }

  remove(p: number): LiveBlock {
    const b = this.live.get(p);
    assert.ok(b, `model has no live block ${p}`);
    this.live.delete(p);
    this.liveBytes -= b.size;
    return b;
  }

  /** The k-th live pointer (k taken modulo the count); 0 when nothing is live. */
  pick(k: number): number {
    if (this.live.size === 0) return 0;
    let i = k % this.live.size;
    for (const p of this.live.keys()) if (i-- === 0) return p;
    return 0;
  }
}

/** Payload-range rules for one returned pointer: alignment, inside the blocks, no overlap with another live block. */
export function assertPlacement(heap: Heap, model: Model, p: number, size: number, align: number, what: string): void {
  assert.notEqual(p, 0, `${what}: returned 0`);
  assert.equal(p % 8, 0, `${what}: pointer ${p} is not 8-aligned`);
  assert.equal(p % align, 0, `${what}: pointer ${p} is not aligned to ${align}`);
  const usable = heap.usableSize(p);
  assert.ok(usable >= size, `${what}: usableSize(${p}) = ${usable} < requested ${size}`);
  const s = heap.stats();
  const heapStart = heap.staticBase + roundUp8(s.staticSize);
  assert.ok(p > heapStart, `${what}: pointer ${p} at or below the heap start ${heapStart}`);
  assert.ok(p + usable <= s.heapSize, `${what}: [${p}, ${p + usable}) passes the break at ${s.heapSize}`);
  assert.ok(s.heapSize <= s.backingSize, `${what}: heapSize ${s.heapSize} > backingSize ${s.backingSize}`);
  const end = p + Math.max(usable, 1);
  for (const [q, b] of model.live) {
    if (q === p) assert.fail(`${what}: pointer ${p} is already live (${b.size} bytes)`);
    const qEnd = q + Math.max(b.size, 1);
    if (p < qEnd && q < end) assert.fail(`${what}: [${p}, ${end}) overlaps live block [${q}, ${qEnd})`);
  }
}

export function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Cheap per-op check: the first and last byte of every live block still hold their pattern. */
export function assertEdges(heap: Heap, model: Model, what: string): void {
  const u8 = heap.u8;
  for (const [p, b] of model.live) {
    if (b.size === 0) continue;
    const last = b.size - 1;
    if (u8[p] !== patternByte(b.fill, 0) || u8[p + last] !== patternByte(b.fill, last)) {
      assertPattern(heap, p, b.size, b.fill, what);
    }
  }
}

export function assertAllContents(heap: Heap, model: Model, what: string): void {
  for (const [p, b] of model.live) assertPattern(heap, p, b.size, b.fill, what);
}

/** Expected call counters, as the test has made them. */
export interface Calls {
  malloc: number; calloc: number; realloc: number; free: number; alignedAlloc: number;
  /** Successful allocations at the allocator level: malloc/calloc/alignedAlloc, realloc(0, n). */
  allocs: number;
  /**
   * Reallocs that returned another pointer: each either moved through malloc
   * (one more allocation) or slid down into a free predecessor at the top (none).
   */
  movedReallocs: number;
}

export function newCalls(): Calls {
  return { malloc: 0, calloc: 0, realloc: 0, free: 0, alignedAlloc: 0, allocs: 0, movedReallocs: 0 };
}

/** Stats that must agree with the model after every operation (O(1) in the heap size). */
export function assertStats(heap: Heap, model: Model, what: string, calls?: Calls): HeapStats {
  const s = heap.stats();
  assert.equal(s.liveBlocks, model.live.size, `${what}: stats().liveBlocks`);
  assert.equal(s.liveBytes, model.liveBytes, `${what}: stats().liveBytes`);
  assert.ok(s.peakLiveBytes >= s.liveBytes, `${what}: peakLiveBytes ${s.peakLiveBytes} < liveBytes ${s.liveBytes}`);
  assert.ok(s.peakLiveBytes >= model.peakLiveBytes, `${what}: peakLiveBytes ${s.peakLiveBytes} < the model's peak ${model.peakLiveBytes}`);
  assert.ok(s.freeBytes >= 0, `${what}: freeBytes ${s.freeBytes} < 0`);
  assert.ok(s.freeBlocks >= 0, `${what}: freeBlocks ${s.freeBlocks} < 0`);
  assert.ok(s.heapSize <= s.backingSize, `${what}: heapSize ${s.heapSize} > backingSize ${s.backingSize}`);
  assert.ok(s.heapSize <= s.peakHeapSize, `${what}: heapSize ${s.heapSize} > peakHeapSize ${s.peakHeapSize}`);
  assert.ok(s.usedBytes >= s.liveBytes, `${what}: usedBytes ${s.usedBytes} < liveBytes ${s.liveBytes}`);
  assert.ok(s.largestFreeBlock <= s.freeBytes, `${what}: largestFreeBlock ${s.largestFreeBlock} > freeBytes ${s.freeBytes}`);
  assert.ok(s.externalFragmentation >= 0 && s.externalFragmentation <= 1, `${what}: externalFragmentation ${s.externalFragmentation}`);
  if (s.peakLiveBytes > 0) {
    assert.ok(s.utilization > 0 && s.utilization <= 1, `${what}: utilization ${s.utilization} not in (0, 1]`);
  } else {
    assert.equal(s.utilization, 0, `${what}: utilization with nothing ever live`);
  }
  assert.equal(s.runsMapped - s.runsUnmapped >= 0, true, `${what}: more runs unmapped than mapped`);
  assert.ok(s.mappedBytes >= 0 && s.mappedBytes <= s.usedBytes, `${what}: mappedBytes ${s.mappedBytes}`);
  // capacity bookkeeping: what the OS layer grew minus what it returned is how far the backing moved
  assert.ok(s.osBytesGrown - s.osBytesReturned >= 0, `${what}: more bytes returned than grown`);
  if (calls) {
    assert.ok(s.mallocCalls >= calls.malloc, `${what}: mallocCalls ${s.mallocCalls} < ${calls.malloc}`);
    assert.equal(s.callocCalls, calls.calloc, `${what}: callocCalls`);
    assert.equal(s.reallocCalls, calls.realloc, `${what}: reallocCalls`);
    assert.equal(s.freeCalls, calls.free, `${what}: freeCalls`);
    assert.equal(s.alignedAllocCalls, calls.alignedAlloc, `${what}: alignedAllocCalls`);
    const allocs = s.reusedAllocs + s.grownAllocs;
    assert.ok(allocs >= calls.allocs && allocs <= calls.allocs + calls.movedReallocs,
      `${what}: reusedAllocs + grownAllocs = ${allocs}, expected ${calls.allocs} (+ up to ${calls.movedReallocs} moving reallocs)`);
  }
  return s;
}

/**
 * The full cross-check (O(heap)): check(), blocks() against the model and the
 * statistics, every live block's whole contents and usable size.
 */
export function assertHeapMatches(heap: Heap, model: Model, what: string, calls?: Calls, pageSize?: number): BlockInfo[] {
  heap.check();
  const s = assertStats(heap, model, what, calls);
  const blocks = heap.blocks();
  const heapStart = heap.staticBase + roundUp8(s.staticSize);
  let at = heapStart;
  let used = 0;
  let free = 0;
  let freeBlocks = 0;
  let largest = 0;
  let mapped = 0;
  let mappedBytes = 0;
  let metadata = 0;
  const seen = new Set<number>();
  let afterTop = false;
  for (const b of blocks) {
    assert.equal(b.offset, at, `${what}: blocks() leaves a gap or overlaps at ${at}`);
    assert.ok(Number.isInteger(b.size) && b.size > 0, `${what}: block size ${b.size} at ${b.offset}`);
    at += b.size;
    if (afterTop) assert.equal(b.state, 'metadata', `${what}: a ${b.state} block at ${b.offset} after the top block`);
    POLICY_GEOMETRY[heap.allocator]?.(heap, b, what);
    if (b.state === 'used' || b.state === 'mapped') {
      const m = model.live.get(b.ptr);
      assert.ok(m, `${what}: blocks() lists a ${b.state} block at ${b.ptr} the model does not have`);
      assert.equal(b.requested, m.size, `${what}: requested size of ${b.ptr}`);
      assert.ok(b.ptr >= b.offset && b.ptr + heap.usableSize(b.ptr) <= b.offset + b.size,
        `${what}: block ${b.ptr}: usable bytes [${b.ptr}, ${b.ptr + heap.usableSize(b.ptr)}) outside the block [${b.offset}, ${b.offset + b.size})`);
      assert.ok(heap.usableSize(b.ptr) >= m.size, `${what}: block ${b.ptr} has ${heap.usableSize(b.ptr)} usable bytes for ${m.size}`);
      seen.add(b.ptr);
      used += b.size;
      if (b.state === 'mapped') {
        if (pageSize !== undefined) assert.equal(b.ptr % pageSize, 0, `${what}: mapped block ${b.ptr} is not page-aligned (${pageSize})`);
        mapped++;
        mappedBytes += b.size;
      }
    } else if (b.state === 'metadata') {
      assert.equal(b.requested, 0, `${what}: metadata block with a requested size`);
    } else {
      assert.ok(b.state === 'free' || b.state === 'top' || b.state === 'reserved', `${what}: unknown block state ${b.state}`);
      assert.equal(b.requested, 0, `${what}: ${b.state} block with a requested size`);
      if (b.state === 'top') afterTop = true;
      free += b.size;
      freeBlocks++;
      largest = Math.max(largest, b.size);
    }
    metadata += b.state === 'metadata' ? b.size : 0;
  }
  assert.equal(at, s.heapSize, `${what}: blocks() do not end at the break (heapSize ${s.heapSize})`);
  assert.equal(seen.size, model.live.size, `${what}: blocks() misses live blocks`);
  assert.equal(s.usedBytes, used, `${what}: usedBytes vs blocks()`);
  assert.equal(s.freeBytes, free, `${what}: freeBytes vs blocks()`);
  assert.equal(s.freeBlocks, freeBlocks, `${what}: freeBlocks vs blocks()`);
  assert.equal(s.largestFreeBlock, largest, `${what}: largestFreeBlock vs blocks()`);
  assert.equal(s.runsMapped - s.runsUnmapped, mapped, `${what}: runsMapped - runsUnmapped vs mapped blocks`);
  assert.equal(s.mappedBytes, mappedBytes, `${what}: mappedBytes vs blocks()`);
  assert.equal(s.metadataBytes + roundUp8(s.staticSize) + used + free + metadata + baseOf(heap, s), s.heapSize,
    `${what}: metadata + static + blocks = heapSize`);
  assertAllContents(heap, model, what);
  return blocks;
}

/** The heap's base offset (0 unless created in an existing WebAssembly.Memory at a base). */
function baseOf(heap: Heap, s: HeapStats): number {
  return heap.staticBase - s.metadataBytes;
}

/** Frees everything in the model (verifying each block first). */
export function freeAll(heap: Heap, model: Model, calls?: Calls): void {
  for (const p of [...model.live.keys()]) {
    const b = model.live.get(p)!;
    assertPattern(heap, p, b.size, b.fill, 'before the final free');
    heap.free(p);
    if (calls) calls.free++;
    model.remove(p);
  }
}

/** Runs fn and returns the error it throws (fails if it does not throw). */
export function thrown(fn: () => unknown, what: string): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail(`${what}: did not throw`);
}

/**
 * Whole-space walks of the buddy system: check() (every invariant listed in layout.ts) and
 * blocks(). O(heap), allocating freely; never on the malloc/free path (trim uses the walk
 * to find the free blocks at the top).
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { freeHeader, isHeader, orderOf, Buddy } from './layout.js';

export interface BuddyWalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
  readonly base: number;
}

/** A block start's header, or null when it is not one (a corrupt header: check() names it). */
function blockAt(t: BuddyWalkTarget, b: number, end: number): { k: number; used: boolean; h: number } | null {
  const w = t.u32[b >>> 2];
  const k = orderOf(w);
  const kind = w & Buddy.KIND_MASK;
  if (!isHeader(w) || (w & Buddy.SPARE_BITS) !== 0 || k < Buddy.MIN_ORDER || (b - t.base) % 2 ** k !== 0 || b + 2 ** k > end) return null;
  if (kind === 0) return { k, used: false, h: b };
  if (kind === Buddy.USED) return { k, used: true, h: b };
  // an aligned block's payload header lies past its lead header
  if (kind === (Buddy.USED | Buddy.LEAD) && t.u32[(b + 4) >>> 2] >= Buddy.HEADER) return { k, used: true, h: b + t.u32[(b + 4) >>> 2] };
  return null;
}

export function walkBuddy(t: BuddyWalkTarget): BlockInfo[] {
  const end = t.u32[t.hw + Hdr.W_BRK];
  const out: BlockInfo[] = [];
  for (let b = t.base; b < end;) {
    const blk = blockAt(t, b, end);
    if (blk === null) break; // corrupt: check() reports it
    const size = 2 ** blk.k;
    out.push({
      ptr: blk.used ? blk.h + Buddy.HEADER : b,
      offset: b,
      size,
      state: blk.used ? 'used' : b + size === end ? 'top' : 'free',
      requested: blk.used ? t.u32[(blk.h + 4) >>> 2] : 0,
    });
    b += size;
  }
  return out;
}

export function checkBuddy(t: BuddyWalkTarget): void {
  const { u32, f64 } = t;
  const end = u32[t.hw + Hdr.W_BRK];
  const fail = (b: number, why: string): never => { throw new HeapCorruptionError(b, why); };
  if (end > u32.length * 4 || end < t.base) fail(end, `the break ${end} lies outside [${t.base}, ${u32.length * 4}]`);

  // 1. the free lists and the bitmap
  const listed = new Map<number, number>();
  const map = u32[t.pm + Buddy.P_BITMAP];
  for (let k = 0; k <= Buddy.MAX_ORDER; k++) {
    let prev = 0;
    for (let b = u32[t.pm + Buddy.P_HEADS + k]; b !== 0; b = u32[(b + 4) >>> 2]) {
      if (k < Buddy.MIN_ORDER || b < t.base || b >= end || b % 8 !== 0) fail(b, `the free list of order ${k} points outside the space`);
      if (listed.has(b)) fail(b, `block is on the free lists twice (a cycle)`);
      listed.set(b, k);
      if (u32[b >>> 2] !== freeHeader(k)) fail(b, `block on the free list of order ${k} is not a free block of that order`);
      if (u32[(b + 8) >>> 2] !== prev) fail(b, `broken back link on the free list of order ${k}`);
      prev = b;
    }
    if ((u32[t.pm + Buddy.P_HEADS + k] !== 0) !== ((map & (1 << k)) !== 0)) fail(u32[t.pm + Buddy.P_HEADS + k], `the bitmap bit of order ${k} disagrees with its list`);
  }

  // 2. the walk: exact cover, alignment, merging, requests, counters
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  let freeBlocks = 0;
  let b = t.base;
  while (b < end) {
    const blk = blockAt(t, b, end);
    if (blk === null) fail(b, `no valid block header (MAGIC, a kind, an order whose size divides the offset and fits the space)`);
    const { k, used, h } = blk!;
    const size = 2 ** k;
    if (used) {
      const req = u32[(h + 4) >>> 2];
      if (h !== b) {
        if (h < b + Buddy.HEADER || h + Buddy.HEADER > b + size || h % 8 !== 0) fail(b, `aligned block's lead ${h - b} points outside it`);
        if (u32[h >>> 2] !== ((Buddy.MAGIC | Buddy.USED | Buddy.INNER | k) >>> 0)) fail(b, `aligned block's payload header at ${h} is damaged`);
        if (req > b + size - h - Buddy.HEADER) fail(b, `requested size ${req} does not fit the aligned block of ${size} bytes`);
      } else if (req + Buddy.HEADER > size || (k > Buddy.MIN_ORDER && req + Buddy.HEADER <= size / 2)) {
        fail(b, `requested size ${req} is not what a block of order ${k} holds`);
      }
      liveBlocks++;
      usedBytes += size;
      liveBytes += req;
    } else {
      if (listed.get(b) !== k) fail(b, `free block of order ${k} is not on its free list`);
      listed.delete(b);
      const rel = b - t.base;
      const buddy = rel % (2 * size) === 0 ? rel + size : rel - size;
      if (buddy + size <= end - t.base && u32[(t.base + buddy) >>> 2] === freeHeader(k) && buddy < rel) {
        fail(b, `free block and its free buddy at ${t.base + buddy} (order ${k}) are not merged`);
      }
      freeBlocks++;
    }
    b += size;
  }
  if (listed.size !== 0) fail([...listed.keys()][0], `block on a free list is not a free block of the space`);
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(t.base, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[t.hf + Hdr.F_ALLOCS] - f64[t.hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
  expect(u32[t.hw + Hdr.W_FREE_BLOCKS], freeBlocks, 'freeBlocks');
}

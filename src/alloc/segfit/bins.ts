/**
 * Free-chunk bins: where free chunks wait, by size.
 *
 *   small bins: one list per chunk size 16, 24, ..., 512 (exact fit, O(1))
 *   large bins: two-level segregated fit (TLSF, Masmano et al. 2004) for > 512:
 *     first level  fl = floor(log2(size))           (9 .. 21)
 *     second level sl = the bit below the top one     (2 lists per power of two)
 *     (sizes of 2^22 = 4 MiB and more: one list, level 22, sub-list 0)
 *
 *     size  520..1023  │ fl 9  │ sl 0: 520-767    sl 1: 768-1023
 *           1024..2047 │ fl 10 │ sl 0: 1024-1535  sl 1: 1536-2047   ...
 *
 * Few lists keep the metadata small (it counts against utilization on small
 * heaps); a bounded best-fit scan of the size's own list recovers the fit.
 *
 * A bitmap bit per list says "non-empty", so finding the first non-empty list
 * at or above a size is a couple of find-first-set operations, whatever the
 * number of free chunks. Lists are doubly linked through the chunks
 * themselves (next at c+4, prev at c+8), newest first.
 *
 * Policy metadata layout (u32 words from pm):
 */
import { badLinks } from './integrity.js';
import { sizeOf, Chunk } from './layout.js';

export const enum Meta {
  P_REGION_SLOTS = 0, //  5 words: region tail chunk per group (0 = none)
  /**
   * 2 words: bit j of the pair = small list of csize 8j non-empty, j = (csize / 8) mod 64:
   * csize 16..504 are bits 2..63, csize 512 is bit 0 (bits 0 and 1 would be sizes 0 and 8)
   */
  P_SMALL_MAP = 5,
  P_FL_MAP = 7, //        1 word:  bit f-9 = some large list of level f non-empty
  P_SL_MAP = 8, //        1 word:  bit (f-9)*2 + s = list (f, s) non-empty
  /**
   * Heads of small lists, word P_SMALL_HEADS + csize / 8 for csize 16..512:
   * words 9..71 (indices 0 and 1, sizes 0 and 8, are never used, so the
   * base is set two words before the first head).
   */
  P_SMALL_HEADS = 7,
  P_LARGE_HEADS = 72, //  27 words: heads of large lists, index (f-9)*2 + s
  /**
   * 1 word: the pointer freed last. Only read to name a refused pointer: a second free of a
   * block that merged into a neighbour, a region or the trimmed top leaves no header behind,
   * and this word still tells it was a double free.
   */
  P_LAST_FREED = 99,
  POLICY_WORDS = 100, //  even: blocks must start 8-aligned
}

export const enum Tlsf {
  FL_MIN = 9,
  /**
   * Sizes of 2^FL_CAP bytes (4 MiB) and more share one list (level FL_CAP,
   * sub-list 0): so big a free chunk is rare (requests that big are page runs,
   * given back when freed at the top), and the lists it would need cost
   * metadata every heap pays for. A request that big looks at the first
   * BEST_FIT_SCAN chunks of that list. Also keeps every list's bit
   * ((FL_CAP - FL_MIN) * SL_COUNT <= 31) in the one word P_SL_MAP.
   */
  FL_CAP = 22,
  SL_BITS = 1,
  SL_COUNT = 1 << SL_BITS,
  /** How many chunks of the first candidate large list are examined for a best fit. */
  BEST_FIT_SCAN = 16,
}

export function largeLevel(size: number): number {
  return Math.min(31 - Math.clz32(size), Tlsf.FL_CAP);
}
export function largeSub(size: number, fl: number): number {
  return fl === Tlsf.FL_CAP ? 0 : (size >>> (fl - Tlsf.SL_BITS)) & (Tlsf.SL_COUNT - 1);
}
/** Index of large list (fl, sl): its head is word P_LARGE_HEADS + index, its bit in P_SL_MAP bit index. */
function listIndex(fl: number, sl: number): number {
  return (fl - Tlsf.FL_MIN) * Tlsf.SL_COUNT + sl;
}

/**
 * Links free chunk c (header already says free, size `size`) at the head of its list.
 * The small case is the hot one and stays small enough for V8 to inline it
 * wherever it is called; the large case is its own function.
 */
export function binInsert(u32: Uint32Array, pm: number, c: number, size: number): void {
  if (size > Chunk.SMALL_MAX) {
    binInsertLarge(u32, pm, c, size);
    return;
  }
  const hi = pm + Meta.P_SMALL_HEADS + (size >>> 3);
  const head = u32[hi];
  u32[(c + 4) >>> 2] = head;
  u32[(c + 8) >>> 2] = 0;
  if (head !== 0) u32[(head + 8) >>> 2] = c;
  else u32[smallMapWord(pm, size)] |= smallMapBit(size);
  u32[hi] = c;
}

function binInsertLarge(u32: Uint32Array, pm: number, c: number, size: number): void {
  // the level and list computed once for the head and both bitmaps
  // (list < 32, so the second-level bitmap is one word: see FL_CAP)
  const fl = largeLevel(size);
  const list = listIndex(fl, largeSub(size, fl));
  const hi = pm + Meta.P_LARGE_HEADS + list;
  const head = u32[hi];
  u32[(c + 4) >>> 2] = head;
  u32[(c + 8) >>> 2] = 0;
  if (head !== 0) u32[(head + 8) >>> 2] = c;
  else {
    u32[pm + Meta.P_SL_MAP] |= 1 << list;
    u32[pm + Meta.P_FL_MAP] |= 1 << (fl - Tlsf.FL_MIN);
  }
  u32[hi] = c;
}

/** Unlinks free chunk c of `size` from its list. */
export function binRemove(u32: Uint32Array, pm: number, c: number, size: number): void {
  const next = u32[(c + 4) >>> 2];
  const prev = u32[(c + 8) >>> 2];
  // safe unlinking: both neighbours must point back at c before anything is written
  if ((next !== 0 && u32[(next + 8) >>> 2] !== c) || (prev !== 0 && u32[(prev + 4) >>> 2] !== c) || (c & 7) !== 0) {
    throw badLinks(u32, c, 0);
  }
  if (next !== 0) u32[(next + 8) >>> 2] = prev;
  if (prev !== 0) {
    u32[(prev + 4) >>> 2] = next;
    return;
  }
  if (size <= Chunk.SMALL_MAX) {
    u32[pm + Meta.P_SMALL_HEADS + (size >>> 3)] = next;
    if (next === 0) u32[smallMapWord(pm, size)] &= ~smallMapBit(size);
    return;
  }
  unlinkLargeHead(u32, pm, next, size);
}

/** binRemove's case of the head of a large list (next: the new head). Out of line, as binInsertLarge. */
function unlinkLargeHead(u32: Uint32Array, pm: number, next: number, size: number): void {
  const fl = largeLevel(size);
  const list = listIndex(fl, largeSub(size, fl));
  u32[pm + Meta.P_LARGE_HEADS + list] = next;
  if (next === 0) {
    const slMap = u32[pm + Meta.P_SL_MAP] & ~(1 << list);
    u32[pm + Meta.P_SL_MAP] = slMap;
    if (levelBits(slMap, fl) === 0) u32[pm + Meta.P_FL_MAP] &= ~(1 << (fl - Tlsf.FL_MIN));
  }
}

/** Word of the small map holding the bit of small chunk size csize (the bit: smallMapBit). */
export function smallMapWord(pm: number, csize: number): number {
  return pm + Meta.P_SMALL_MAP + ((csize >>> 8) & 1);
}

/** The bit of small chunk size csize in its small map word (see Meta.P_SMALL_MAP). */
export function smallMapBit(csize: number): number {
  return 1 << ((csize >>> 3) & 31);
}

/** The SL_COUNT bits of level fl's lists. */
function levelMap(u32: Uint32Array, pm: number, fl: number): number {
  return levelBits(u32[pm + Meta.P_SL_MAP], fl);
}

/** Level fl's bits in a second-level map word. */
function levelBits(slMap: number, fl: number): number {
  return (slMap >>> listIndex(fl, 0)) & ((1 << Tlsf.SL_COUNT) - 1);
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** First chunk of the first non-empty large list at or above (fl, sl); 0 if none. */
function firstLargeFrom(u32: Uint32Array, pm: number, fl: number, sl: number): number {
  if (fl < Tlsf.FL_MIN) { fl = Tlsf.FL_MIN; sl = 0; }
  if (fl > Tlsf.FL_CAP) return 0;
  let slMap = sl < Tlsf.SL_COUNT ? levelMap(u32, pm, fl) & (~0 << sl) : 0;
  if (slMap === 0) {
    const shift = fl - Tlsf.FL_MIN + 1;
    const flMap = shift < 32 ? u32[pm + Meta.P_FL_MAP] & (~0 << shift) : 0;
    if (flMap === 0) return 0;
    fl = lowestBit(flMap) + Tlsf.FL_MIN;
    slMap = levelMap(u32, pm, fl);
  }
  return u32[pm + Meta.P_LARGE_HEADS + listIndex(fl, lowestBit(slMap))];
}

/** Where findFit counts its work (the policy itself: see AllocatorPolicy.work). */
export interface WorkMeter { work: number }

/**
 * A free chunk of at least `size` bytes, or 0. Small sizes: the smallest
 * non-empty exact list above; large sizes: best fit among the first chunks of
 * the size's own list, else the head of the next non-empty list (every chunk
 * there is big enough). Does not unlink.
 */
export function findFit(u32: Uint32Array, pm: number, size: number, meter: WorkMeter): number {
  if (size <= Chunk.SMALL_MAX) {
    const i = size >>> 3;
    meter.work += 4; // at most: both small-map words, the 512 bit, one list head
    if (i < 64) {
      for (let w = i >>> 5; w < 2; w++) {
        let bits = u32[pm + Meta.P_SMALL_MAP + w];
        if (w === i >>> 5) bits &= ~0 << (i & 31);
        if (w === 0) bits &= ~1; // bit 0 is csize 512, the largest: looked at last
        if (bits !== 0) return u32[pm + Meta.P_SMALL_HEADS + (w << 5) + lowestBit(bits)];
      }
    }
    if ((u32[pm + Meta.P_SMALL_MAP] & 1) !== 0) return u32[pm + Meta.P_SMALL_HEADS + 64];
    return firstLargeFrom(u32, pm, Tlsf.FL_MIN, 0);
  }
  const fl = largeLevel(size);
  const sl = largeSub(size, fl);
  // a link past the memory (damaged) is returned as it is: the caller's range check reports it
  const end = u32.length * 4 - 8;
  let c = u32[pm + Meta.P_LARGE_HEADS + listIndex(fl, sl)];
  let best = 0;
  let bestSize = 0;
  meter.work += 1;
  for (let k = 0; c !== 0 && k < Tlsf.BEST_FIT_SCAN; k++) {
    meter.work += 1;
    if (c > end) return c;
    const s = sizeOf(u32[c >>> 2]);
    if (s >= size && (best === 0 || s < bestSize)) {
      best = c;
      bestSize = s;
      if (s === size) break;
    }
    c = u32[(c + 4) >>> 2];
  }
  if (best !== 0) return best;
  // every chunk of the next non-empty list fits: take the smallest of its first few
  c = firstLargeFrom(u32, pm, fl, sl + 1);
  meter.work += 3; // the level's map, the first-level map, the next level's map
  best = c;
  bestSize = c !== 0 ? sizeOf(u32[c >>> 2]) : 0;
  for (let k = 0; c !== 0 && k < Tlsf.BEST_FIT_SCAN; k++) {
    meter.work += 1;
    if (c > end) return c;
    const s = sizeOf(u32[c >>> 2]);
    if (s < bestSize) { best = c; bestSize = s; }
    c = u32[(c + 4) >>> 2];
  }
  return best;
}

/**
 * The largest free chunk in the bins: the largest of the first `scan` chunks
 * of the highest non-empty list (every other list holds smaller chunks), so
 * exact unless that list is longer than `scan`.
 */
export function largestInBins(u32: Uint32Array, pm: number, scan: number): number {
  let c = 0;
  const flMap = u32[pm + Meta.P_FL_MAP];
  if (flMap !== 0) {
    const fl = 31 - Math.clz32(flMap) + Tlsf.FL_MIN;
    c = u32[pm + Meta.P_LARGE_HEADS + listIndex(fl, 31 - Math.clz32(levelMap(u32, pm, fl)))];
  } else if ((u32[pm + Meta.P_SMALL_MAP] & 1) !== 0) {
    c = u32[pm + Meta.P_SMALL_HEADS + 64]; // csize 512
  } else {
    for (let w = 1; w >= 0 && c === 0; w--) {
      const bits = u32[pm + Meta.P_SMALL_MAP + w];
      if (bits !== 0) c = u32[pm + Meta.P_SMALL_HEADS + (w << 5) + 31 - Math.clz32(bits)];
    }
  }
  let best = 0;
  for (let k = 0; c !== 0 && k < scan; k++, c = u32[(c + 4) >>> 2]) {
    const s = sizeOf(u32[c >>> 2]);
    if (s > best) best = s;
  }
  return best;
}

/** Every list as [headIndex, expected size range] for check(). */
export function forEachList(pm: number, visit: (headIndex: number, min: number, max: number) => void): void {
  for (let i = 2; i <= Chunk.SMALL_MAX >>> 3; i++) visit(pm + Meta.P_SMALL_HEADS + i, i << 3, i << 3);
  for (let fl = Tlsf.FL_MIN; fl < Tlsf.FL_CAP; fl++) {
    for (let sl = 0; sl < Tlsf.SL_COUNT; sl++) {
      const min = 2 ** fl + sl * 2 ** (fl - Tlsf.SL_BITS);
      const max = min + 2 ** (fl - Tlsf.SL_BITS) - 1;
      visit(pm + Meta.P_LARGE_HEADS + listIndex(fl, sl), Math.max(min, Chunk.SMALL_MAX + 8), max);
    }
  }
  visit(pm + Meta.P_LARGE_HEADS + listIndex(Tlsf.FL_CAP, 0), 2 ** Tlsf.FL_CAP, 2 ** 32 - 1);
}

/** Is the bitmap bit for the list at headIndex set? (for check()) */
export function listBitSet(u32: Uint32Array, pm: number, size: number): boolean {
  if (size <= Chunk.SMALL_MAX) return (u32[smallMapWord(pm, size)] & smallMapBit(size)) !== 0;
  const fl = largeLevel(size);
  return (levelMap(u32, pm, fl) & (1 << largeSub(size, fl))) !== 0 &&
    (u32[pm + Meta.P_FL_MAP] & (1 << (fl - Tlsf.FL_MIN))) !== 0;
}

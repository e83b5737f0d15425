/**
 * A policy's own structures at one moment, as plain JSON-able data: what `heap.internals()`
 * returns and what the report's step mode draws. One shape per policy family, told apart by
 * `kind`; a policy with nothing of its own to show says `kind: 'none'`.
 *
 * Glossary
 *   list    a free list: `length` is how many blocks are on it (walked in full, so O(free
 *           blocks)); `first` holds the offsets of at most LIST_SAMPLE of them, head first,
 *           in list order. A list walk stops after the heap's size / 16 steps, so a list
 *           damaged into a cycle ends (`check()` is what reports the damage).
 *   bitmap  a u32 word as it is in memory: bit i set = the i-th list of its level is non-empty.
 *
 * Every pointer here is a block's offset (its header), not a payload pointer.
 */

/** Most block offsets one list reports in `first`. */
export const LIST_SAMPLE = 64;
/** Most block offsets one buddy order reports: enough to draw the buddy tree's levels whole. */
export const BUDDY_SAMPLE = 4096;

export interface FreeListInfo {
  /** Blocks on the list. */
  length: number;
  /** Offsets of the first min(length, LIST_SAMPLE) blocks, head first. */
  first: number[];
}

/** tlsf: the first-level bitmap, one second-level bitmap per level, and every non-empty list. */
export interface TlsfInternals {
  kind: 'tlsf';
  policy: string;
  /** Bit fl set = some list of level fl is non-empty. */
  flBitmap: number;
  /** slBitmaps[fl], bit sl set = list (fl, sl) is non-empty. */
  slBitmaps: number[];
  /** Lists per level (the width of each second-level bitmap). */
  slCount: number;
  /** Smallest block size of each level (its list sl = 0). */
  levelMinSize: number[];
  /** The non-empty lists, by (fl, sl), holding blocks of minSize up to below maxSize bytes. */
  lists: (FreeListInfo & { fl: number; sl: number; minSize: number; maxSize: number })[];
}

/** segfit: exact small bins, the two-level large bins and their bitmaps, and the region tails. */
export interface SegfitInternals {
  kind: 'segfit';
  policy: string;
  /** Bit j of the 64-bit pair (low word first) = the small bin of chunk size 8j (mod 512) is non-empty. */
  smallBitmap: [number, number];
  /** Bit f - 9 = some large bin of level f is non-empty. */
  largeFlBitmap: number;
  /** Bit (f - 9) * 2 + s = large bin (f, s) is non-empty. */
  largeSlBitmap: number;
  /** The non-empty bins, holding chunks of minSize up to below maxSize bytes (small bins: one size). */
  bins: (FreeListInfo & { kind: 'small' | 'large'; minSize: number; maxSize: number })[];
  /** One slot per size group (16-31, 32-63, ... 256-512): the region tail carved from next, if any. */
  regions: { group: number; minSize: number; maxSize: number; tail: number; tailSize: number }[];
}

/** buddy: one free list per order, the bitmap of the non-empty orders, and the space. */
export interface BuddyInternals {
  kind: 'buddy';
  policy: string;
  /** Bit k set = the list of order k is non-empty. */
  bitmap: number;
  /** The buddy space [start, end): offsets of blocks are relative to start for the buddy rule. */
  start: number;
  end: number;
  minOrder: number;
  /** Every order from minOrder up to the largest that fits the space, empty ones included (`first`: up to BUDDY_SAMPLE blocks). */
  orders: (FreeListInfo & { order: number; size: number })[];
}

/** pool: the one free list of equal slots. */
export interface PoolInternals {
  kind: 'pool';
  policy: string;
  blockSize: number;
  slotSize: number;
  slotsPerChunk: number;
  chunks: number;
  freeList: FreeListInfo;
}

/** pages: per size class, the pages on its list (those with a free or never-used block). */
export interface PagesInternals {
  kind: 'pages';
  policy: string;
  classes: {
    index: number;
    blockSize: number;
    /** The class's page list, head first (at most LIST_SAMPLE pages; `pageCount` counts all). */
    pages: { offset: number; capacity: number; used: number; free: number; reserved: number }[];
    pageCount: number;
  }[];
}

/** first-fit, next-fit, best-fit: the one free list in list order, and next-fit's rover. */
export interface FitsInternals {
  kind: 'fits';
  policy: string;
  freeList: FreeListInfo & { sizes: number[] };
  /** The block where next-fit's search resumes (0: none; the other fits never set it). */
  rover: number;
}

/** arena: the allocation point and the last mark. */
export interface ArenaInternals {
  kind: 'arena';
  policy: string;
  bump: number;
  lastMark: number;
}

export interface NoInternals {
  kind: 'none';
  policy: string;
}

export type PolicyInternals = TlsfInternals | SegfitInternals | BuddyInternals | PoolInternals | PagesInternals | FitsInternals | ArenaInternals | NoInternals;

/**
 * Walks a free list linked through word `nextAt` (bytes from the block) of each block:
 * its length and its first `sample` blocks. `limit` bounds the steps (see the glossary).
 */
export function walkList(u32: Uint32Array, head: number, nextAt: number, limit: number, sample = LIST_SAMPLE): FreeListInfo {
  const first: number[] = [];
  let length = 0;
  for (let b = head; b !== 0 && length < limit && (b >>> 2) < u32.length; b = u32[(b + nextAt) >>> 2] as number) {
    if (length < sample) first.push(b);
    length++;
  }
  return { length, first };
}

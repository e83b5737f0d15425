/**
 * Block layout and list mapping of the real-time allocator "tlsf": two-level
 * segregated fit (Masmano, Ripoll, Crespo, Real, 2004) with boundary tags and
 * immediate coalescing.
 *
 * Glossary
 *   block    header + payload (+ footer when free); its size is a multiple of 8, at least 16
 *   fl, sl   first level (the power of two of the size) and second level (which of the
 *            SL_COUNT equal slices of that power of two); list index = fl * SL_COUNT + sl
 *   top      the free block that ends at the sentinel, if any; the break follows it
 *   absorbed the header word of a block merged into a free neighbour: ABSORBED, so that a
 *            second free of its pointer is told as a double free, not as a wild pointer
 *
 * A used block (8 bytes of metadata):
 *
 *     b        b+4       b+8 (8-aligned pointer returned by malloc)
 *     ┌────────┬─────────┬──────────────────────────────────────────┐
 *     │size|UP │requested│ payload ...                              │
 *     └────────┴─────────┴──────────────────────────────────────────┘
 *
 * A free block (boundary tags at both ends, linked into list (fl, sl)):
 *
 *     b        b+4       b+8                          b+size-4
 *     ┌────────┬─────────┬─────────┬─────────────────┬────────┐
 *     │size|P  │next     │prev     │ (unused)        │ size   │
 *     └────────┴─────────┴─────────┴─────────────────┴────────┘
 *
 * Flags in the low 3 bits of the header word:
 *     U  USED       1  the block is allocated
 *     P  PREV_USED  2  the block before it is allocated (so its footer is not read)
 *
 * The heap ends with an 8-byte sentinel of size 0 marked USED whose P bit says
 * whether the last block is free; the break is right after it.
 *
 * Mapping of a block size to its list (SL_COUNT = 32 lists per power of two):
 *
 *     size             fl          sl                    sizes per list
 *     16 .. 255        0           size / 8              exactly one (8-byte steps)
 *     256 .. 511       1           (size >> 3) & 31      8
 *     512 .. 1023      2           (size >> 4) & 31      16
 *     2^k .. 2^(k+1)-1 k - 7       (size >> (k-5)) & 31  2^(k-5)
 *     ... up to 2^31 .. 2^32-8: fl 24
 *
 * Good fit: malloc looks in the list of the request rounded up to the next list
 * boundary (and above it, through the bitmaps), so that every block of the list
 * found is big enough: no list is ever scanned. Before that it looks at the head
 * of the request's own list, which holds blocks on both sides of the request
 * size: the head is taken when it fits (one more block examined, still O(1)).
 *
 * Invariants (checked by check()):
 *   - walking from heapStart by size reaches the sentinel at brk-8 exactly;
 *   - every block's P bit equals the U bit of the block before it;
 *   - no two free blocks are adjacent (coalescing is immediate);
 *   - a free block's footer equals its size and it is in exactly the list its
 *     size maps to; a list's bit in its level's second-level bitmap is set iff
 *     the list is non-empty, and a level's bit in the first-level bitmap iff
 *     its second-level bitmap is non-zero;
 *   - a used block's requested size fits: size-8-MAX_SLACK <= requested <= size-8;
 *   - live/used/free counters in the heap header equal what the walk finds.
 */

export const enum Blk {
  USED = 1,
  PREV_USED = 2,
  FLAGS = 7,
  /** Header word of a block merged into a free neighbour (size 0, not USED: never a valid header). */
  ABSORBED = 4,

  HEADER = 8,
  MIN_BLOCK = 16,
  /**
   * Largest slack (size - 8 - requested) of a used block: rounding up to 8 (at most 7, or 8
   * for malloc(0)) plus a remainder too small to split off (8).
   */
  MAX_SLACK = 16,
}

export const enum Tl {
  SL_BITS = 5,
  SL_COUNT = 32,
  /** Blocks below this size have exact lists (level 0, 8-byte steps): SL_COUNT * 8. */
  SMALL_BLOCK = 256,
  /** fl = floor(log2(size)) - FL_SHIFT for sizes >= SMALL_BLOCK. */
  FL_SHIFT = 7,
  /** Levels 0 .. 24: the last holds sizes 2^31 .. 2^32 - 8. */
  FL_COUNT = 25,
  LISTS = FL_COUNT * SL_COUNT,
}

/**
 * Policy metadata (u32 words from pm, right after the heap header):
 *   P_FL_MAP     1 word:        bit fl set = some list of level fl is non-empty
 *   P_SL_MAPS    FL_COUNT words: bit sl of word fl set = list (fl, sl) non-empty
 *   P_HEADS      LISTS words:   head of list fl * SL_COUNT + sl (0 = empty)
 *   P_LAST_FREED 1 word:        the pointer freed last (a second free of it is a double free,
 *                               even when coalescing or a trim left no trace of the block)
 */
export const enum Meta {
  P_FL_MAP = 0,
  P_SL_MAPS = 1,
  P_HEADS = 1 + Tl.FL_COUNT,
  P_LAST_FREED = P_HEADS + Tl.LISTS,
  /** Even, so that what follows stays 8-aligned. */
  POLICY_WORDS = P_LAST_FREED + 2,
}

/** Unsigned size from a header word (bits 3..31). */
export function sizeOf(header: number): number {
  return (header & ~Blk.FLAGS) >>> 0;
}

/** Block size for a request of n bytes (n an integer in [0, 2^32 - 2^17]). */
export function blockSizeFor(n: number): number {
  if (n <= 8) return Blk.MIN_BLOCK;
  const t = n + Blk.HEADER + 7;
  return t - (t % 8);
}

/** The list a free block of `size` bytes belongs to: fl * SL_COUNT + sl. */
export function listOf(size: number): number {
  if (size < Tl.SMALL_BLOCK) return size >>> 3;
  const k = 31 - Math.clz32(size);
  return ((k - Tl.FL_SHIFT) << Tl.SL_BITS) | ((size >>> (k - Tl.SL_BITS)) & (Tl.SL_COUNT - 1));
}

/**
 * The first list all of whose blocks are at least `size` bytes (the request rounded up to
 * the next list boundary), or Tl.LISTS when no list is.
 */
export function searchListOf(size: number): number {
  if (size < Tl.SMALL_BLOCK) return size >>> 3;
  const k = 31 - Math.clz32(size);
  const r = size + (1 << (k - Tl.SL_BITS)) - 1;
  if (r > 0xffffffff) return Tl.LISTS;
  return listOf(r);
}

/** Smallest block size of list `index`. */
export function listMinSize(index: number): number {
  const fl = index >>> Tl.SL_BITS;
  const sl = index & (Tl.SL_COUNT - 1);
  if (fl === 0) return sl * 8;
  const k = fl + Tl.FL_SHIFT;
  return 2 ** k + sl * 2 ** (k - Tl.SL_BITS);
}

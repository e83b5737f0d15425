/**
 * The virtual (out-of-band) allocator: it hands out ranges of an abstract space
 * `[0, size)` of "units" (bytes of a GPUBuffer, pages of a file, slots of another
 * process's arena) that it never reads or writes. Everything it knows lives in
 * typed arrays beside the space, never inside it.
 *
 * Glossary
 *   unit      the space's granularity: whatever the caller counts in (bytes usually)
 *   range     a run of units, free or used; the ranges cover the space exactly
 *   node      the record of one range: a slot in the side arrays (NodeStore)
 *   list      a free list of the two-level segregated fit (TLSF, Masmano et al. 2004):
 *             free ranges whose size maps to the same (first level, second level) pair
 *   index     the offset -> node hash (OffsetIndex): how free(offset) finds its node
 *   padding   the units skipped in front of a range to meet an alignment: they stay
 *             a free range of their own, so nothing is lost without a record
 *
 * The side arrays (struct of arrays, one slot per node; NIL = -1):
 *
 *            slot:    0      1      2      3      4     ...  capacity-1
 *     offset  f64  [   0  |  64  | 192  | 200  |  —  | ... ]
 *     size    f64  [  64  | 128  |   8  | 3896 |  —  | ... ]
 *     prevPhys i32 [ NIL  |   0  |   1  |   2  |  —  | ... ]  address order, both ways
 *     nextPhys i32 [   1  |   2  |   3  | NIL  |  —  | ... ]
 *     prevFree i32 [   —  | NIL  |   —  | NIL  |  —  | ... ]  free-list links (free nodes)
 *     nextFree i32 [   —  | NIL  |   —  | NIL  |  5  | ... ]  ... and the chain of unused slots
 *     state    u8  [ USED | FREE | USED | FREE |UNUSED| ... ]
 *
 *     lists: heads[LIST_COUNT] i32, one bitmap word of second levels per first
 *     level, and a two-word bitmap of the non-empty first levels.
 *     index: keys f64 (offset, or EMPTY) / vals i32 (node), open addressing.
 *
 * List mapping (SL_BITS = 4): a size below 32 has a list of its own (list = size);
 * from 32 up, a size with floor(log2) = f falls in one of 16 lists splitting
 * [2^f, 2^(f+1)) evenly, so a list's sizes differ by less than 1/16 of its floor:
 *
 *     size            list index            sizes per list
 *     1 .. 31         size                  1
 *     32 .. 63        32 + (size-32)/2      2
 *     2^f .. 2^(f+1)  (f-3)*16 + sl         2^(f-4)
 *
 * Invariants (checked by check()):
 *   - walking nextPhys from `first` visits ranges with offset = previous end,
 *     from 0 to the space's size exactly, prevPhys mirroring nextPhys;
 *   - no two free ranges are adjacent (free merges at once);
 *   - every free node is in exactly the list its size maps to, lists are linked
 *     both ways, and a bitmap bit is set exactly when its list is non-empty;
 *   - every used node is in the index under its offset, and the index holds
 *     nothing else;
 *   - the counters (allocations, used units, free units, free ranges) equal the walk's.
 */

/** Second-level bits: 16 lists per power of two (worst-case list spread 1/16). */
export const SL_BITS = 4;
export const SL_COUNT = 1 << SL_BITS;
/** Sizes below this have exact lists (list index = size). */
export const EXACT_LIMIT = 2 * SL_COUNT;
/**
 * The largest space (and so range, offset and alignment): 2^52 units. Offsets and
 * sizes are stored in Float64Array, exact for integers up to 2^53; keeping one bit
 * spare makes `size + step - 1` in goodFitList exact too.
 */
export const MAX_SPACE = 2 ** 52;
/** floor(log2) of MAX_SPACE is 52: first levels 1 .. 49 above the exact lists. */
export const FL_COUNT = 52 - SL_BITS + 2;
export const LIST_COUNT = FL_COUNT * SL_COUNT;

export const NIL = -1;

export const enum NodeState {
  UNUSED = 0,
  FREE = 1,
  USED = 2,
}

const TWO_POW_32 = 4294967296;
/** 2^k for k = 0 .. 53: a table, since `2 ** k` with a variable k is a slow call in V8. */
const POW2 = Float64Array.from({ length: 54 }, (_, k) => 2 ** k);

/** floor(log2(x)) for an integer 1 <= x < 2^53. */
export function log2floor(x: number): number {
  return x < TWO_POW_32 ? 31 - Math.clz32(x) : 63 - Math.clz32(Math.floor(x / TWO_POW_32));
}

/** The list a free range of `size` units lives in (mapping_insert in the paper). */
export function listOfSize(size: number): number {
  if (size < EXACT_LIMIT) return size;
  const f = log2floor(size);
  const sl = size < 0x80000000 ? size >>> (f - SL_BITS) : Math.floor(size / POW2[f - SL_BITS]);
  return (f - SL_BITS + 1) * SL_COUNT + (sl - SL_COUNT);
}

/**
 * The first list whose every range holds `size` units (mapping_search): `size`
 * rounded up to the next list boundary. Ranges in lower lists may still hold it
 * (the ones in listOfSize(size) that happen to be big enough): the exact search
 * looks there when this list and all above it are empty.
 */
export function goodFitList(size: number): number {
  if (size < EXACT_LIMIT) return size;
  return listOfSize(size + POW2[log2floor(size) - SL_BITS] - 1);
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
export function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** Units to skip from `offset` up to the next multiple of `alignment` (a power of two). */
export function alignPad(offset: number, alignment: number): number {
  const r = offset % alignment;
  return r === 0 ? 0 : alignment - r;
}

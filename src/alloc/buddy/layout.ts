/**
 * Block layout of the binary buddy system ("buddy", Knowlton 1965; Knuth, TAOCP vol. 1,
 * 2.5, algorithms R and S).
 *
 * Glossary
 *   space   the buddy space: [heapStart, break); offsets below are relative to heapStart
 *   order   a block of order k is 2^k bytes at an offset that is a multiple of 2^k,
 *           MIN_ORDER <= k <= MAX_ORDER
 *   buddy   the other half of the block of order k+1 a block of order k came from: at
 *           offset ^ 2^k. Two free buddies of the same order merge at once (unless the
 *           buddy lies beyond the space's end)
 *   split   halving a free block of order k+1 into two buddies of order k
 *
 * The space's size need not be a power of two: it is the end of its last block, and grows
 * by what a request needs (the gap up to an offset aligned to the new block is filled
 * with free blocks, which merge as they can); trim() gives the free blocks at the top back.
 *
 * Every block starts with an 8-byte header; word 0 is MAGIC | flags | order:
 *
 *   used:  ┌──────────────────┬──────────┬──────────────────────────────┐
 *          │MAGIC|USED|order  │requested │ payload (ptr = block + 8)    │
 *          └──────────────────┴──────────┴──────────────────────────────┘
 *   free:  ┌──────────────────┬──────────┬──────────┬───────────────────┐
 *          │MAGIC|order       │next      │prev      │ (unused)          │
 *          └──────────────────┴──────────┴──────────┴───────────────────┘
 *   aligned (alignedAlloc: the payload is further in):
 *          ┌──────────────────┬──────────┬─ ─ ─ ─┬──────────────────┬──────────┬────────┐
 *          │MAGIC|USED|LEAD|k │lead      │       │MAGIC|USED|INNER|k│requested │payload │
 *          └──────────────────┴──────────┴─ ─ ─ ─┴──────────────────┴──────────┴────────┘
 *          block              block+4            block+lead (= ptr - 8)
 *
 * When a block merges into its lower buddy, or a block's payload header goes, the header
 * left behind becomes MAGIC | GONE | order: never read as structure (walks step by block
 * sizes, merges read only buddy positions, which are block starts), only to tell a second
 * free of that pointer (DoubleFreeError) from a pointer that was never returned.
 *
 * Policy metadata (after the heap header): one free-list head per order (doubly linked,
 * newest first), a bitmap word of the non-empty orders and the pointer freed last.
 *
 * Invariants (checked by check()):
 *   - walking from heapStart by 2^order reaches the break exactly; every block's offset is a
 *     multiple of its size; headers carry MAGIC and one valid kind;
 *   - no free block has a free buddy of the same order inside the space (merging is immediate);
 *   - every free block is on the list of its order exactly once, the lists hold nothing else,
 *     back links mirror forward links, and the bitmap bit of an order is set iff its list is
 *     non-empty;
 *   - a used block's request fits: with the header (and lead), it needs more than half of
 *     the block, unless the block has the minimum order or is an aligned one;
 *   - the live/used/free counters in the heap header equal what the walk finds.
 */

export const enum Buddy {
  MAGIC = 0xb0dd0000,
  MAGIC_MASK = 0xffff0000,
  ORDER_MASK = 0x1f,
  /** Always zero. */
  SPARE_BITS = 0xe0,
  USED = 0x100,
  /** The lead header of an aligned block (word 1: bytes from the block to the payload header). */
  LEAD = 0x200,
  /** The payload header of an aligned block, inside it. */
  INNER = 0x400,
  /** A header left behind by a merge or a freed aligned block. */
  GONE = 0x800,
  KIND_MASK = 0xff00,

  HEADER = 8,
  MIN_ORDER = 4,
  MAX_ORDER = 31,

  // policy metadata words
  P_HEADS = 0,
  P_BITMAP = 32,
  /** The pointer freed last: a second free of it is a double free, even after a trim took its block. */
  P_LAST_FREED = 33,
  POLICY_WORDS = 34,
}

export function orderOf(header: number): number {
  return header & Buddy.ORDER_MASK;
}

export function isHeader(header: number): boolean {
  return ((header & Buddy.MAGIC_MASK) >>> 0) === Buddy.MAGIC;
}

/** The smallest order whose blocks hold `bytes` bytes. */
export function orderFor(bytes: number): number {
  if (bytes <= 1 << Buddy.MIN_ORDER) return Buddy.MIN_ORDER;
  return 32 - Math.clz32(bytes - 1);
}

/** Header word 0 of a free block of order k. */
export function freeHeader(k: number): number {
  return (Buddy.MAGIC | k) >>> 0;
}

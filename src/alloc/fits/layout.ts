/**
 * Block layout of the textbook fits ("first-fit", "next-fit", "best-fit"): one explicit,
 * doubly-linked free list over blocks with boundary tags, immediate coalescing. The three
 * policies share everything here and differ only in how they search the list (search.ts).
 *
 * Glossary
 *   chunk   a block as the allocator sees it: header + payload (+ footer when free)
 *   csize   a chunk's size in bytes: a multiple of 8, at least 16
 *   list    the free list: every free chunk, once, in no particular order (a freed chunk
 *           goes to the head; a split's remainder takes its parent's place)
 *   rover   next-fit's roving pointer: the free chunk where the last search stopped
 *   top     the free chunk that ends at the sentinel, if any; the break follows
 *
 * A used chunk (8 bytes of metadata):
 *
 *     c        c+4       c+8 (8-aligned pointer returned by malloc)
 *     ┌────────┬─────────┬──────────────────────────────────────────┐
 *     │size|U P│requested│ payload ...                              │
 *     └────────┴─────────┴──────────────────────────────────────────┘
 *
 * A free chunk (boundary tags at both ends, links in the payload):
 *
 *     c        c+4       c+8                          c+size-4
 *     ┌────────┬─────────┬─────────┬─────────────────┬────────┐
 *     │size|P  │next     │prev     │ (unused)        │ size   │
 *     └────────┴─────────┴─────────┴─────────────────┴────────┘
 *
 * Flags in the low bits of the header word: U (1) the chunk is used, P (2) the chunk before
 * it is used (so its footer is never read). The heap ends with an 8-byte sentinel of size 0
 * marked U, whose P bit says whether the last chunk is free; the break follows it.
 *
 * Policy metadata (after the heap header): the list head, the rover and the pointer freed
 * last, one word each.
 *
 * Invariants (checked by check()):
 *   - walking from heapStart by size reaches the sentinel at brk-8 exactly;
 *   - every chunk's P bit equals the U bit of the chunk before it;
 *   - no two free chunks are adjacent (coalescing is immediate);
 *   - a free chunk's footer equals its size, and it is on the list exactly once; the list
 *     holds nothing else, and its back links mirror its forward links;
 *   - the rover is 0 or a chunk on the list;
 *   - a used chunk's requested size fits: size-8-MAX_SLACK <= requested <= size-8;
 *   - the live/used/free counters in the heap header equal what the walk finds.
 * No page runs: every request, however big, is a chunk of the one list (mmapThreshold has
 * no effect on these policies).
 */

export const enum Fit {
  USED = 1,
  PREV_USED = 2,
  FLAGS = 7,
  /** Header word of a chunk merged into a free neighbour (size 0, not USED): a second free of it is a double free. */
  ABSORBED = 4,

  HEADER = 8,
  MIN_CHUNK = 16,
  /** Largest slack (size - 8 - requested) of a used chunk: rounding (up to 8) + an unsplit remainder (8). */
  MAX_SLACK = 16,

  // policy metadata words
  P_HEAD = 0,
  P_ROVER = 1,
  /** The pointer freed last: a second free of it is a double free whatever coalescing did. */
  P_LAST_FREED = 2,
  /** Even, so that what follows stays 8-aligned. */
  POLICY_WORDS = 4,
}

/** Unsigned size from a header word. */
export function sizeOf(header: number): number {
  return (header & ~Fit.FLAGS) >>> 0;
}

/** Chunk size for a request of n bytes: n + 8 rounded up to 8, at least 16. */
export function chunkSizeFor(n: number): number {
  if (n <= 8) return Fit.MIN_CHUNK;
  const t = n + Fit.HEADER + 7;
  return t - (t % 8);
}

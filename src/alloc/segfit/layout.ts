/**
 * Block layout of the default allocator ("segfit": segregated fit with
 * boundary tags, exact small bins, two-level large bins and size-class regions).
 *
 * Glossary
 *   chunk   a block as the allocator sees it: header + payload (+ footer when free)
 *   csize   a chunk's size in bytes: a multiple of 8, at least 16
 *   top     the free chunk that ends at the sentinel, if any; the break follows
 *   region  a free chunk reserved for one size group; small requests of that
 *           group are carved from its front, so small and large blocks do not
 *           interleave (what keeps freed large blocks coalescible)
 *   run     a "mapped" chunk: a request >= mmapThreshold, page-aligned payload
 *
 * A used chunk (8 bytes of metadata):
 *
 *     c        c+4       c+8 (8-aligned pointer returned by malloc)
 *     ┌────────┬─────────┬──────────────────────────────────────────┐
 *     │size|UPM│requested│ payload ...                              │
 *     └────────┴─────────┴──────────────────────────────────────────┘
 *
 * A free chunk (boundary tags at both ends):
 *
 *     c        c+4       c+8                          c+size-4
 *     ┌────────┬─────────┬─────────┬─────────────────┬────────┐
 *     │size|P  │next     │prev     │ (unused)        │ size   │
 *     └────────┴─────────┴─────────┴─────────────────┴────────┘
 *
 * Flags in the low 3 bits of the header word:
 *     U  USED       1  the chunk is allocated
 *     P  PREV_USED  2  the chunk before it is allocated (so no footer is read)
 *     M  MAPPED     4  (used chunks) a page run from the OS layer
 *
 * A region tail is the unused rest of a region: a chunk marked U (so its
 * neighbours never merge into it and it never sits in a bin) whose second
 * word is REGION_TAIL | FRESH? | group, on its group's slot. It is free
 * memory for the statistics and for blocks(); trim(), running out of room
 * and a large request that its free neighbours would fit give it back as an
 * ordinary free chunk. A region's last word holds REGION_TAIL | group from
 * the region's making on (carving takes from the front, so the tail's end
 * never moves): a hint to find a tail from the chunk after it, which the
 * group's slot confirms (the word may have become user data since).
 *
 *     region:  [carved][carved][tail: size|U  REGION_TAIL|g ... REGION_TAIL|g]
 *
 * The heap ends with an 8-byte sentinel chunk of size 0 marked USED whose
 * P bit says whether the last real chunk is free; the break is right after it.
 *
 * Invariants (checked by check()):
 *   - walking from heapStart by size reaches the sentinel at brk-8 exactly;
 *   - every chunk's P bit equals the U bit of the chunk before it;
 *   - no two free chunks are adjacent (coalescing is immediate);
 *   - a free chunk's footer equals its size and it is in exactly the bin its
 *     size maps to; a region tail is on the slot of the group it names;
 *   - a used chunk's requested size fits: size-8-23 <= requested <= size-8
 *     (runs: up to one page more slack);
 *   - live/used/free counters in the header equal what the walk finds.
 */

export const enum Chunk {
  USED = 1,
  PREV_USED = 2,
  MAPPED = 4,
  FLAGS = 7,

  HEADER = 8,
  MIN_CHUNK = 16,
  /** Chunks of at most this many bytes have an exact bin (one size per list). */
  SMALL_MAX = 512,
  /** Largest slack (size - 8 - requested) of a used non-mapped chunk: rounding (<=15) + an unsplit 8. */
  MAX_SLACK = 23,
  /**
   * Second word of a region tail: REGION_TAIL | FRESH (when it came from raising
   * the break) | group. The top 16 bits are all set, which no request can have
   * (the facade refuses requests of 2^32 - 2^17 bytes or more), so a region
   * tail is never mistaken for a live block, however big.
   */
  REGION_TAIL = 0xffff0000,
  FRESH = 0x100,

  /** Size groups that get regions: 16-31, 32-63, 64-127, 128-255, 256-512. */
  GROUPS = 5,
  REGION_MAX = 16384,
}

export function isRegionTail(secondWord: number): boolean {
  return ((secondWord & 0xfffff000) >>> 0) === Chunk.REGION_TAIL;
}

/** Unsigned size from a header word (bits 3..31). */
export function sizeOf(header: number): number {
  return (header & ~Chunk.FLAGS) >>> 0;
}

/** Chunk size for a request of n bytes (n a non-negative integer). */
export function chunkSizeFor(n: number): number {
  if (n <= 8) return Chunk.MIN_CHUNK;
  const t = n + Chunk.HEADER + 7;
  return t - (t % 8);
}

export function groupOf(csize: number): number {
  return Math.min(27 - Math.clz32(csize), Chunk.GROUPS - 1);
}

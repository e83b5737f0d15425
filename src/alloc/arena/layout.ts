/**
 * Layout of the arena ("arena": bump allocation, also called a region or linear
 * allocator). Blocks are laid one after the other from the heap start; the allocation
 * point (`bump`) only moves up, until release(mark) or reset() moves it back and frees
 * every block above it at once. free() of a single block is allowed and does nothing: the
 * block stays allocated (and counted as live) until a release or reset covers it.
 *
 *   heapStart                                   bump                 break
 *   ┌────────┬────────┬───┬────────┬──────────┐┌────────────────────┐
 *   │block   │block   │pad│block   │ ...      ││ free rest (top)    │
 *   └────────┴────────┴───┴────────┴──────────┘└────────────────────┘
 *     ▲ mark() = the offset of the next block; release(mark) sets bump back to it
 *
 *   block: ┌────────────┬──────────┬─────────────────────┐
 *          │size | USED │requested │ payload (ptr = +8)  │   size: header + payload, multiple of 8
 *          └────────────┴──────────┴─────────────────────┘
 *   pad:   ┌────────────┬ ─ ─ ─ ─ ┐                          before an aligned block (metadata)
 *          │size | PAD  │          │
 *          └────────────┴ ─ ─ ─ ─ ┘
 *
 * Policy metadata (after the heap header): the allocation point, and the last mark taken
 * (the last block grows in place only if it was allocated after that mark, so that a
 * mark never ends up inside a block).
 *
 * Invariants (checked by check()):
 *   - walking from heapStart by size reaches bump exactly; heapStart <= last mark <= bump <= break;
 *   - every header carries one of the two tags; a block's request fits: 0 <= size - 8 -
 *     requested <= 8 (payloads are at least 8 bytes, rounded up to 8);
 *   - the live/used counters in the heap header equal what the walk finds.
 */

export const enum Arena {
  TAG_MASK = 7,
  USED = 5,
  PAD = 3,
  HEADER = 8,
  MIN_BLOCK = 16,
  MAX_SLACK = 8,

  P_BUMP = 0,
  /** The highest mark that may still be released: no block grows in place across it. */
  P_LAST_MARK = 1,
  POLICY_WORDS = 2,
}

/** Block bytes for a request of n: the header and n rounded up to 8, at least 8. */
export function blockSizeFor(n: number): number {
  return Arena.HEADER + Math.max(8, Math.ceil(n / 8) * 8);
}

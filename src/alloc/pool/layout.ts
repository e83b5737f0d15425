/**
 * Layout of the pool allocator ("pool"): fixed-size blocks, as a memory pool or the
 * simplest slab. Every block has the same size, so no block needs a header: a pointer's
 * chunk and slot follow from its offset, and free blocks hold the free-list links.
 *
 * Glossary
 *   slot    one block: blockSize rounded up to 8 bytes
 *   chunk   what the pool grows and trims by: a chunk header, then SLOTS slots
 *   header  per chunk: the number of used slots, the used bitmap (one bit per slot), and
 *           the requested size of each slot (what blocks() and the live-byte counter need)
 *
 *   heapStart                                                          break
 *   ┌───┬────────────┬──────┬──────┬─────┬──────┐┌────────────┬──────┬───┐
 *   │gap│chunk header│slot 0│slot 1│ ... │slot N││chunk header│slot 0│...│
 *   └───┴────────────┴──────┴──────┴─────┴──────┘└────────────┴──────┴───┘
 *   chunk header: used count │ bitmap words (N bits) │ requested[N] (u32 each) │ zero padding
 *   gap: up to the slots' alignment (the largest power of two dividing the slot, at most 64),
 *   so that every slot has it; shown as metadata
 *
 *   a free slot:  ┌──────┬──────┬────────┐
 *                 │next  │prev  │ ...    │   (the free list: doubly linked, newest first)
 *                 └──────┴──────┴────────┘
 *
 * Policy metadata (after the heap header): the block size asked for, the slot size, the
 * slots per chunk, the chunk header's bytes, the chunk's bytes, the free-list head,
 * where the first chunk starts and the pointer freed last.
 *
 * Invariants (checked by check()):
 *   - the space is whole chunks: (break - first chunk) is a multiple of the chunk size;
 *   - a slot is used iff its bitmap bit is set; a chunk's used count is its set bits;
 *   - a used slot's requested size is at most blockSize; a free slot's is 0;
 *   - the free list holds every free slot exactly once and nothing else, its back links
 *     mirror its forward links;
 *   - the live/used/free counters in the heap header equal what the walk finds.
 */

export const enum Pool {
  DEFAULT_BLOCK_SIZE = 64,
  MAX_BLOCK_SIZE = 1 << 30,
  /** A chunk holds about this many bytes of slots (at least one slot). */
  CHUNK_TARGET = 4096,
  MAX_SLOTS = 1024,
  /** The most alignment every slot gets (a cache line). */
  MAX_ALIGN = 64,

  // policy metadata words
  P_BLOCK_SIZE = 0,
  P_SLOT = 1,
  P_SLOTS = 2,
  P_CHUNK_HEADER = 3,
  P_CHUNK = 4,
  P_FREE_HEAD = 5,
  P_FIRST_CHUNK = 6,
  /** The pointer freed last: a second free of it is a double free, even after a trim took its chunk. */
  P_LAST_FREED = 7,
  POLICY_WORDS = 8,
}

/** The geometry a pool of `blockSize`-byte blocks gets. */
export function poolGeometry(blockSize: number): { slot: number; slots: number; header: number; chunk: number; align: number } {
  const slot = Math.max(8, Math.ceil(blockSize / 8) * 8);
  const slots = Math.max(1, Math.min(Pool.MAX_SLOTS, Math.floor(Pool.CHUNK_TARGET / slot)));
  // every slot is aligned to the largest power of two dividing the slot size, up to MAX_ALIGN:
  // chunks start so aligned and their headers are multiples of it
  const align = Math.min(Pool.MAX_ALIGN, slot & -slot);
  const header = Math.ceil((4 + Math.ceil(slots / 32) * 4 + slots * 4) / align) * align;
  return { slot, slots, header, chunk: header + slots * slot, align };
}

/** Where the first chunk starts: the heap start rounded up to the slots' alignment (the gap is metadata). */
export function firstChunk(heapStart: number, align: number): number {
  return Math.ceil(heapStart / align) * align;
}

/** Word offsets inside a chunk header. */
export function bitmapWord(chunk: number, slot: number): number {
  return ((chunk + 4) >>> 2) + (slot >>> 5);
}

export function requestedWord(chunk: number, slots: number, slot: number): number {
  return ((chunk + 4) >>> 2) + Math.ceil(slots / 32) + slot;
}

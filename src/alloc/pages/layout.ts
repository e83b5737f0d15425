/**
 * Layout of the "pages" allocator: size-class pages with per-page free lists and no
 * coalescing between blocks (mimalloc's design, Leijen et al. 2019, single-threaded).
 *
 * Glossary
 *   slot     64 KiB of the address space from slot 0 (the first byte after the slot maps),
 *            at slot0 + i·SLOT: the unit the OS layer's break is raised and lowered by
 *   span     a run of slots with a page header at its first byte; a slot is free, the head
 *            of a span, or a continuation of the span before it
 *   page     a one-slot span holding blocks of one size class: a free list threaded through
 *            its free blocks, and a bump index over its never-used capacity
 *   large    a span holding one block (requests above the largest class, or aligned beyond
 *            what a class guarantees); 'mapped' when the request reaches mmapThreshold
 *   class    a block size (layout below); every page of class c has blocks of exactly that size
 *
 *   heapStart                slot0                slot0 + SLOT
 *   ┌──────────┬──────────┬──┬───────────────────────┬──────────────────────┬─────
 *   │ head map │ free map │  │ page (class 3: 32 B)  │ large span (1 block) │ ...
 *   └──────────┴──────────┴──┴───────────────────────┴──────────────────────┴─────
 *     1 bit per slot each     (metadata)                                     the break
 *
 * A page (one slot):
 *
 *     pg         pg+64              pg+first                       pg+first+cap·bsize   pg+SLOT
 *     ┌──────────┬──────────────────┬────┬────┬────┬────┬──────────┬─────────────┐
 *     │ header   │ req[0..cap) u16  │ b0 │ b1 │ b2 │ .. │ reserved │ tail        │
 *     └──────────┴──────────────────┴────┴────┴────┴────┴──────────┴─────────────┘
 *      metadata (header, requested sizes, alignment pad)  ▲ bump      metadata
 *
 *   req[k] = requested size + 1 while block k is used, 0 while it is free or never used:
 *   the used bit free() tests (a free block's bytes are the program's, nothing in them can
 *   be trusted), and the exact requested size for the statistics.
 *   A free block's first word holds the next free block's index + 1 (0 ends the list).
 *   Blocks [0, bump) have been handed out at least once; [bump, cap) are 'reserved'; the
 *   free list is extended from them a few KiB at a time (mimalloc's free-list extension).
 *   Blocks start at an address aligned to their size's lowest set bit (at most
 *   MAX_BLOCK_ALIGN), so alignedAlloc of a power of two divides some class's block size.
 *
 * A large span: the header, padding up to the aligned payload, the block; usableSize runs to
 * the span's end. Its pointer may lie in a later slot (large alignments): the head map finds
 * the span (the nearest head bit at or below the pointer's slot).
 *
 * A span's committed bytes (PH_SPAN_BYTES) are SLOT·nslots, or less for a span raised at the
 * top when maxSize leaves no room for whole slots; if the break later rises past such a
 * span, the bytes between its end and its last slot's end are a 'metadata' gap.
 *
 * Invariants (checked by check()):
 *   - slots below the break are free (free bit, no head bit) or covered by exactly one span
 *     (head bit at its first slot, neither bit on the others); free slots are whole;
 *   - a page's class, block size, divisor, first block and capacity agree with the class
 *     table; bump <= cap; its free list visits distinct blocks below bump whose req is 0,
 *     exactly bump - used of them; exactly `used` blocks have req != 0, each <= block size + 1;
 *   - each class's page list is doubly linked, holds pages of that class only, and holds
 *     every page that has a free or reserved block (IN_LIST says which pages are in it);
 *   - a large span's pointer lies after its header and inside it, its requested size fits;
 *   - the header counters (live blocks and bytes, used bytes, mapped runs and bytes) equal
 *     what the walk finds.
 */
import { classTable, sizeClasses } from '../size-classes.js';

export const PAGES_POLICY_ID = 4;

/** Tunables. */
export const enum Tune {
  /** Bytes of blocks threaded onto a page's free list at a time from its reserved capacity. */
  EXTEND_BYTES = 4096,
}

export const enum Pg {
  SLOT = 65536,
  SLOT_SHIFT = 16,
  /** Largest block size with a class; larger requests get a large span. */
  SMALL_MAX = 8192,
  /** Blocks are aligned to their size's lowest set bit, up to this. */
  MAX_BLOCK_ALIGN = 4096,
  HEADER = 64,

  // page header words (u32 offsets from the span's first byte)
  PH_MAGIC = 0,
  /** Small pages: the class; large spans: flags (LARGE_MAPPED). */
  PH_CLASS = 1,
  /** Small: block size; large: requested size. */
  PH_BSIZE = 2,
  /** Small: offset of block 0 from the page; large: offset of the payload from the span. */
  PH_FIRST = 3,
  /** Small: blocks that fit the page. */
  PH_CAP = 4,
  PH_BUMP = 5,
  /** Free list head: a block index + 1, 0 when empty. */
  PH_FREE = 6,
  PH_USED = 7,
  PH_NEXT = 8,
  PH_PREV = 9,
  PH_NSLOTS = 10,
  /** ceil(2^32 / block size): the block index of an offset is (offset · DIV) >> 32, exactly (offsets < 2^16). */
  PH_DIV = 11,
  PH_FLAGS = 12,
  /** Bytes of the span below the break when it was made (SLOT·nslots unless cut at maxSize). */
  PH_SPAN_BYTES = 13,

  SMALL_MAGIC = 0x45475048, // "HPGE"
  LARGE_MAGIC = 0x4e475048, // "HPGN"
  IN_LIST = 1,
  LARGE_MAPPED = 1,

  // policy metadata words (after the heap header)
  /** Class c's page list head. */
  P_HEADS = 0,
  /** Free blocks (on free lists) of class c: stats() reads them instead of walking pages. */
  P_CLASS_FREE = 40,
  /** Byte offset of slot 0. */
  P_SLOT0 = 80,
  /** Words of each slot map (head map at heapStart, free map right after it). */
  P_MAP_WORDS = 81,
  /** Bytes of metadata between heapStart and the break: the slot maps and each page's header, u16s, pad and tail. */
  P_META = 82,
  /** Bumped whenever the free slots change: stats() re-reads the free map only then. */
  P_EPOCH = 83,
  /** Bumped whenever a page's reserved capacity changes: stats() re-reads the class lists only then. */
  P_RESERVED_EPOCH = 84,
  /** The pointer freed last: a second free of it is a double free, even after its span went back. */
  P_LAST_FREED = 85,
  POLICY_WORDS = 86,
}

/** Block sizes: 8..128 in steps of 8, then four classes per power of two up to 8 KiB (40 classes). */
export const CLASS_SIZE: readonly number[] = sizeClasses(8, 8, 128, 4, Pg.SMALL_MAX);
export const CLASS_COUNT = CLASS_SIZE.length;
/** CLASS_OF[ceil(n / 8)]: the class of an n-byte request, n <= SMALL_MAX. */
export const CLASS_OF: Uint8Array = classTable(CLASS_SIZE);

/** Alignment of a class's blocks: its size's lowest set bit, at most MAX_BLOCK_ALIGN. */
export function blockAlign(bsize: number): number {
  return Math.min(bsize & -bsize, Pg.MAX_BLOCK_ALIGN);
}

/** Blocks of size bsize a page holds: after the header, a u16 per block and the alignment pad. */
export function pageCapacity(bsize: number): number {
  return Math.floor((Pg.SLOT - Pg.HEADER - (blockAlign(bsize) - 2)) / (bsize + 2));
}

/** The divisor word of a block size (see PH_DIV). */
export function divisorOf(bsize: number): number {
  return Math.ceil(2 ** 32 / bsize);
}

/** Index of the block at byte `offset` from block 0 (exact for offsets below 2^16). */
export function blockIndex(offset: number, div: number): number {
  return (offset * div * 2.3283064365386963e-10) | 0; // · 2^-32
}

/**
 * Memory layout of the thread-shared heap ("threads" policy): every word of
 * state that the threads share lives here, inside the SharedArrayBuffer (or
 * shared WebAssembly.Memory). JS objects hold only views and their own index.
 *
 * Glossary
 *   page     64 KiB of the address space, aligned to 64 KiB (PAGE). The page map
 *            says for each page whether it is free, the head of a span or a
 *            continuation of one.
 *   span     a run of pages with a 64-byte header at its first byte. A small span
 *            holds blocks of one size class and belongs to one arena; a large span
 *            holds one block (requests above SMALL_MAX_NEED, or alignment > 8) and
 *            belongs to nobody (the global lock protects it).
 *   arena    one thread's allocator: a record in the arena table with a queue of
 *            spans per size class, a delayed-free list and statistics. Only the
 *            arena's owner touches its spans' free lists; other threads hand
 *            blocks back through the delayed-free list (lock-free push).
 *   block    [tag u32][requested u32][payload ...]: 8 bytes of header, payload
 *            8-aligned. tag = USED_TAG|class, FREE_TAG or PENDING_TAG (freed by a
 *            non-owner, waiting on the owner's delayed list). A free block links
 *            to the next free block in its first payload word; a PENDING block
 *            links to the next one on the delayed list there, and its second
 *            payload word holds the one after that (a look-ahead for the drain).
 *   global lock  one futex-style word (W_LOCK of the heap header) that protects the
 *            page map, the free-page list, the break and the large-span counters.
 *
 *   0       heap header (200 B: magic, version, policy id 2, the break = top of the
 *           pages, generation, lock, OS counters; see src/os/header.ts)
 *   256     global block (G_*): free-page list, arena table geometry, large counters
 *   1024    arena table: maxArenas records of ARENA_BYTES
 *   ...     page map: one u32 per page of maxSize
 *   firstPage (64 KiB aligned) pages ... up to the break (W_BRK)
 *
 * Page map entry:  0 free (or above the break) │ HEAD | npages │ CONT | head page index
 *
 * Span header (128 B at the span's first byte, P_* word offsets):
 *   line 1: magic, class (LARGE for a large span), block size (large: usable bytes),
 *           owner arena, bump (next never-used block), end, npages, payload (large:
 *           the pointer handed out);
 *   line 2: free list head, used, next/prev (in the arena's queue for its class, or
 *           in the global free-page list), flags.
 *
 * Invariants (check() verifies them on a quiescent heap):
 *   - pages [firstPage, top) are covered exactly once by free pages and spans; the
 *     free-page list holds exactly the free pages, G_FREE_PAGES counts them;
 *   - in a small span: blocks lie at first + k*bsize below bump; each has a valid
 *     tag; P_USED = #USED + #PENDING; the free list holds exactly the FREE blocks;
 *   - a span is in its arena's queue for its class iff it has a free block or bump
 *     room (IN_QUEUE flag); so malloc's fast path never meets an exhausted span;
 *   - every PENDING block is on its owner arena's delayed or drain list exactly once;
 *   - an arena's counters equal what its spans hold; a FREE arena holds no span.
 */

import { sizeClasses } from '../alloc/size-classes.js';

export const THREADS_POLICY_ID = 2;
export const PAGE = 65536;
export const PAGE_SHIFT = 16;
/** Largest arenas table (the lock tag and the page owner field have room for more; 255 keeps the table small). */
export const MAX_ARENAS_LIMIT = 255;
export const DEFAULT_MAX_ARENAS = 64;

// ───────────────────────────────── global block (u32 word offsets from byte 256)
export const G_BASE_W = 256 >>> 2;
export const G_FREE_HEAD = G_BASE_W + 0;      // byte offset of the first free page (0: none)
export const G_FREE_PAGES = G_BASE_W + 1;
export const G_MAX_ARENAS = G_BASE_W + 2;
export const G_MAP_W = G_BASE_W + 3;          // word index of the page map
export const G_MAP_PAGES = G_BASE_W + 4;      // entries in the page map (maxSize / PAGE)
export const G_FIRST_PAGE = G_BASE_W + 5;
export const G_NEXT_TOKEN = G_BASE_W + 6;     // auto thread tags
export const G_LOCK_BREAKS = G_BASE_W + 7;    // times reclaimThread broke a dead thread's lock
export const G_PROBE = G_BASE_W + 8;          // always 0: Atomics.wait probe (can this thread block?)
export const G_LARGE_LIVE = G_BASE_W + 9;     // live large spans
export const G_REPAIRS = G_BASE_W + 10;
// f64 slots (index into a Float64Array) from byte 384
export const GF_BASE = 384 >>> 3;
export const GF_LARGE_BYTES = GF_BASE + 0;    // requested bytes of live large blocks
export const GF_LARGE_USED = GF_BASE + 1;     // span bytes of live large blocks
export const GF_LARGE_MALLOCS = GF_BASE + 2;
export const GF_LARGE_FREES = GF_BASE + 3;
export const GF_PAGES_TAKEN = GF_BASE + 4;
export const GF_PAGES_RETURNED = GF_BASE + 5;

export const ARENA_TABLE_BYTE = 1024;
export const ARENA_BYTES = 512;
export const ARENA_WORDS = ARENA_BYTES >>> 2;

// ───────────────────────────────── arena record (u32 word offsets from the record)
// First cache line: owner-side words, read by others only to decide where to push.
export const A_STATE = 0;
export const A_THREAD = 1;   // owner's thread tag (threadId option or an auto token)
export const A_PAGES = 2;    // spans held
export const A_ATTACHES = 5; // how many threads have owned this record
// Second cache line: the delayed-free list head, alone, because other threads CAS it.
export const A_DELAYED = 16;
// Queue heads per size class (span byte offsets), then f64 statistics.
export const A_QUEUE = 32;
export const AF_SLOT_BYTE = 320; // f64 slots start here (byte offset in the record)
export const AF_LIVE_BLOCKS = 0;
export const AF_LIVE_BYTES = 1;
export const AF_USED_BYTES = 2;
export const AF_PEAK_LIVE_BYTES = 3;
export const AF_MALLOCS = 4;
export const AF_FREES = 5;      // blocks freed into this arena (own frees + collected remote ones)
export const AF_REMOTE_IN = 6;  // of which freed by another thread
export const AF_SLOTS = 8;
// Eighth cache line: owner-only words written once per collected block. Not on the
// first line, which every cross-thread free reads (A_STATE): writing them there
// would pull that line back and forth between the cores for each block.
export const A_DRAIN = 96;   // delayed blocks taken by the owner, not yet freed (chain)
export const A_CUR = 97;     // the one delayed block being freed right now (0: none)

export const ARENA_FREE = 0;
export const ARENA_ACTIVE = 1;
export const ARENA_ABANDONED = 2;
/**
 * A thread is collecting (or repairing) an abandoned / dead arena: others skip it.
 * The state word is ARENA_COLLECTING | (collector's tag + 1) << 2 (collectingState in arena.ts).
 */
export const ARENA_COLLECTING = 3;
export const ARENA_STATE_MASK = 3;

// ───────────────────────────────── page map
export const MAP_HEAD = 0x40000000;
export const MAP_CONT = 0x80000000;
export const MAP_INDEX = 0x00ffffff;

// ───────────────────────────────── span header (u32 word offsets from the span)
/**
 * 128 bytes: the first cache line holds what other threads read to validate and
 * route a free (class, size, owner, bump) and changes rarely; the second holds what
 * the owner writes on every malloc and free (free list, used count, queue links),
 * so that cross-thread frees do not bounce the owner's hot line between cores.
 */
export const SPAN_HEADER = 128;
export const P_MAGIC = 0;
export const P_CLASS = 1;
export const P_BSIZE = 2;
export const P_OWNER = 3;
export const P_BUMP = 4;
export const P_END = 5;
export const P_NPAGES = 6;
export const P_PAYLOAD = 7;
export const P_FREE = 16;
export const P_USED = 17;
export const P_NEXT = 18;
export const P_PREV = 19;
export const P_FLAGS = 20;
export const SPAN_MAGIC = 0x4e505348; // "HSPN"
export const FLAG_IN_QUEUE = 1;
export const LARGE = 255;
export const NO_OWNER = 0xffff;

// ───────────────────────────────── blocks
export const BLOCK_HEADER = 8;
/** Tags are positive int32 so that Atomics.compareExchange on an Int32Array compares them as written. */
export const USED_TAG = 0x2b000000;
export const FREE_TAG = 0x2f000000;
export const PENDING_TAG = 0x2d000000;
export const TAG_MASK = 0x7f000000;

// ───────────────────────────────── size classes
/**
 * Block sizes (header included): 16..64 in steps of 8, then four classes per
 * power of two (80, 96, 112, 128, 160, ...) up to 32 KiB: at most 25% internal
 * waste above 64 bytes, 43 classes.
 */
export const SMALL_MAX_NEED = 32768;
export const CLASS_COUNT = 43;
export const CLASS_SIZE: readonly number[] = sizeClasses(16, 8, 64, 4, SMALL_MAX_NEED);

/** Class of a block that must hold `need` bytes (payload + 8), need <= SMALL_MAX_NEED. */
export function classOf(need: number): number {
  if (need <= 64) return need <= 16 ? 0 : ((need + 7) >>> 3) - 2;
  const b = 31 - Math.clz32(need - 1);
  return 7 + ((b - 6) << 2) + (((need - 1) >>> (b - 2)) & 3);
}

/** Pages per span of a class: one 64 KiB page up to 8 KiB blocks (>= 7 blocks), four above. */
export function spanPages(cls: number): number {
  return CLASS_SIZE[cls] <= 8192 ? 1 : 4;
}

/** Lock tags: user thread ids in [0, 2^29); auto tokens from 2^29. */
export const AUTO_TAG_BASE = 0x20000000;
export const MAX_THREAD_ID = AUTO_TAG_BASE - 1;

/**
 * The heap header: the first bytes at the heap's base, shared by every Heap
 * object attached to the memory. Everything a second Heap needs to find and
 * use the heap is here; policy metadata (bins, regions) follows it.
 *
 *   base + 0    u32 words (W_*)          base + 80   f64 slots (F_*)
 *   ┌────────┬─────────┬────────┬─────┐  ┌───────────┬───────────┬─────┐
 *   │ magic  │ version │ policy │ ... │  │ maxSize   │ initSize  │ ... │
 *   └────────┴─────────┴────────┴─────┘  └───────────┴───────────┴─────┘
 *   base + HEADER_BYTES: policy metadata, then the static area, then blocks.
 *
 * Sizes that can reach 4 GiB and counters that can pass 2^32 live in f64
 * slots; everything else is a u32 word.
 */

export const enum Hdr {
  HEAP_MAGIC = 0x574c4648, // "HFLW" little-endian
  LAYOUT_VERSION = 3,

  // u32 word offsets from the base
  W_MAGIC = 0,
  W_VERSION = 1,
  W_POLICY = 2,
  /** Bytes from the base to the first block (header + policy metadata + static area). */
  W_META_BYTES = 3,
  /** The break, as an absolute byte offset in the memory. */
  W_BRK = 4,
  W_HEAP_START = 5,
  W_PAGE_SIZE = 6,
  W_MMAP_THRESHOLD = 7,
  W_TRIM_THRESHOLD = 8,
  W_STATIC_BASE = 9,
  W_STATIC_SIZE = 10,
  /** Incremented whenever the backing is resized: attached Heaps compare it to refresh their views. */
  W_GENERATION = 11,
  W_BACKING = 12,
  /**
   * The thread-shared heap's global lock (src/threads/lock.ts); in any other heap in shared
   * memory, the busy word that refuses concurrent calls (src/heap/busy-word.ts). 0 when idle.
   */
  W_LOCK = 13,
  W_BASE = 14,
  W_POLICY_META_BYTES = 15,
  // Counters kept on every malloc/free, so that stats() is O(1) (tools such as the
  // malloc-lab driver call it after every operation). u32: bounded by the 4 GiB space.
  W_LIVE_BYTES = 16,
  W_PEAK_LIVE_BYTES = 17,
  /** Bytes of chunks in use (headers and padding included). */
  W_USED_BYTES = 18,
  /** Free chunks: in the bins, and region tails. */
  W_FREE_BLOCKS = 19,

  F_SLOTS_BYTE = 80,
  // f64 slot numbers (slot i lives at base + 80 + 8 i): sizes up to 4 GiB and rare counters
  F_MAX_SIZE = 0,
  F_INITIAL_SIZE = 1,
  F_GROWN_ALLOCS = 2,
  F_PEAK_BRK = 3,
  F_OS_GROWS = 4,
  F_OS_BYTES_GROWN = 5,
  F_OS_SHRINKS = 6,
  F_OS_BYTES_RETURNED = 7,
  F_SBRK_CALLS = 8,
  F_RUNS_MAPPED = 9,
  F_RUNS_UNMAPPED = 10,
  F_MAPPED_BYTES = 11,
  /** Successful allocations and frees of blocks (live blocks = allocs - frees). */
  F_ALLOCS = 12,
  F_FREES = 13,
  /**
   * The break's recent high-water mark, decaying: an automatic trim keeps the
   * backing at least this big, so a heap that empties and refills does not
   * shrink and regrow its backing each time (see OsLayer.lowerBreak).
   */
  F_RETAIN_BRK = 14,
  /**
   * How slowly F_RETAIN_BRK decays: each automatic trim takes 1/2^(3 + this)
   * of its excess over the break (0 at creation: an eighth). Raised when an automatic shrink had to be
   * undone by growing again, lowered when one is followed by another shrink.
   */
  F_RETAIN_PATIENCE = 15,
  /** 1 when the last backing resize was an automatic shrink, else 0. */
  F_LAST_WAS_SHRINK = 16,
  F_SLOT_COUNT = 17,

  HEADER_BYTES = F_SLOTS_BYTE + F_SLOT_COUNT * 8, // 216
}

export const BACKING_CODES = ['arraybuffer', 'resizable', 'shared', 'wasm'] as const;

/**
 * The buddy system's own events, beside the common ones (src/base/types.ts). Offsets are
 * absolute byte offsets of block starts (headers), orders are log2 of block sizes:
 * - `buddy-split`: the free block at `block` of order `order` was halved; its upper half,
 *   at `buddy` (order `order - 1`), went on its free list;
 * - `buddy-merge`: the block at `buddy` merged with its buddy into the block at `block`,
 *   now of order `order`.
 */
export type BuddyEvent =
  | { type: 'buddy-split'; block: number; order: number; buddy: number }
  | { type: 'buddy-merge'; block: number; order: number; buddy: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    buddy: BuddyEvent;
  }
}

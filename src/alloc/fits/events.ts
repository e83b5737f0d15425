/**
 * The fits' own events, beside the common ones (src/base/types.ts):
 * - `fit-search`: a request searched the free list for a chunk of `size` bytes, examined
 *   `examined` free chunks (the search's work) and found chunk `found` (its offset; 0: none,
 *   the break rises);
 * - `split`: a free chunk was cut: `size` bytes were used, `remainder` bytes stay free;
 * - `coalesce`: a freed block merged with its free neighbours (`prev`, `next`: the payload
 *   pointers of the blocks merged in, 0 for none) into one block of `size` bytes at `block`.
 */
export type FitEvent =
  | { type: 'fit-search'; size: number; examined: number; found: number }
  | { type: 'split'; block: number; size: number; remainder: number }
  | { type: 'coalesce'; block: number; prev: number; next: number; size: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    'first-fit': FitEvent;
    'next-fit': FitEvent;
    'best-fit': FitEvent;
  }
}

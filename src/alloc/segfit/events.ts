/**
 * segfit's own events, beside the common ones (src/base/types.ts):
 * - `bin`: the bin a request searched — `bin` is the exact small bin's index (size / 8) or -1
 *   for the large bins' best-fit search, `binSize` the block size looked for, `hit` whether a
 *   free block was found there;
 * - `split`: a free block was cut: `size` bytes were used, `remainder` bytes went back free;
 * - `coalesce`: a freed block merged with its free neighbours (`prev`, `next`: the payload
 *   pointers of the blocks merged in, 0 for none) into one block of `size` bytes at `block`.
 */
export type SegfitEvent =
  | { type: 'bin'; bin: number; binSize: number; hit: boolean }
  | { type: 'split'; block: number; size: number; remainder: number }
  | { type: 'coalesce'; block: number; prev: number; next: number; size: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    segfit: SegfitEvent;
  }
}

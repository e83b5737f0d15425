/**
 * tlsf's own events, beside the common ones (src/base/types.ts). `fl`, `sl` are the
 * first- and second-level indices of a free list (docs/allocators/tlsf.md has the table):
 * - `tlsf-search`: malloc looked for a free block of `size` bytes; `fl`/`sl` is the list it
 *   started from (the request rounded up to the next list boundary), `foundFl`/`foundSl`
 *   the list the block came from (-1 when none: the break rises), `hit` whether one was found;
 * - `tlsf-split`: a free block was cut: `size` bytes were used, `remainder` bytes went back
 *   free, into list (`fl`, `sl`);
 * - `tlsf-merge`: a freed block merged with its free neighbours (`prev`, `next`: the payload
 *   pointers of the blocks merged in, 0 for none) into one free block of `size` bytes at
 *   `block`, linked into list (`fl`, `sl`).
 */
export type TlsfEvent =
  | { type: 'tlsf-search'; size: number; fl: number; sl: number; foundFl: number; foundSl: number; hit: boolean }
  | { type: 'tlsf-split'; block: number; size: number; remainder: number; fl: number; sl: number }
  | { type: 'tlsf-merge'; block: number; prev: number; next: number; size: number; fl: number; sl: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    tlsf: TlsfEvent;
  }
}

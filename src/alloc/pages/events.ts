/**
 * The pages allocator's own events, beside the common ones (src/base/types.ts):
 * - `pages-class`: a small request was served from size class `class` (blocks of
 *   `blockSize` bytes) in the page at `page`;
 * - `pages-page`: a span was taken for a size class (`class` >= 0, a page of blocks) or for
 *   one large block (`class` -1), or given back to the free slots (`action` 'release');
 *   `slots` is its length in 64 KiB slots;
 * - `pages-extend`: `blocks` never-used blocks of the page at `page` were threaded onto
 *   its free list.
 */
export type PagesEvent =
  | { type: 'pages-class'; class: number; blockSize: number; page: number }
  | { type: 'pages-page'; action: 'take' | 'release'; page: number; class: number; slots: number }
  | { type: 'pages-extend'; page: number; blocks: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    pages: PagesEvent;
  }
}

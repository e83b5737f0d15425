/**
 * The arena's own events, beside the common ones (src/base/types.ts):
 * - `arena-release`: release(mark) (or reset(), with `mark` the heap start) freed `blocks`
 *   blocks at once by moving the allocation point from `from` down to `mark`.
 */
export type ArenaEvent = { type: 'arena-release'; mark: number; from: number; blocks: number };

declare module '../../base/types.js' {
  interface PolicyEventMap {
    arena: ArenaEvent;
  }
}

/**
 * The integrity checks every boundary-tag policy (tlsf, the fits) makes on the same layout:
 * a header word of size | flags (USED 1, PREV_USED 2), a free block's size repeated in its
 * last word (the footer), blocks of at least 16 bytes between heapStart and an 8-byte USED
 * sentinel of size 0 whose PREV_USED bit says whether the last block is free.
 *
 * Each check is a few comparisons on words the operation reads anyway; the throwers build
 * their messages out of line.
 */
import type { HeapCorruptionError } from '../base/errors.js';
import { badLinksOf, corrupt } from './integrity.js';

const USED = 1;
const PREV_USED = 2;
const MIN_BLOCK = 16;

/**
 * Whether [b, b+size) can be a free block: at least MIN_BLOCK bytes, a multiple of 8, inside
 * [start, sentinel), its header a free block of that size (PREV_USED set: no two free blocks
 * are adjacent) and its footer agreeing.
 */
export function freeTagsAgree(u32: Uint32Array, b: number, size: number, start: number, sentinel: number): boolean {
  return size >= MIN_BLOCK && (size & 7) === 0 && b >= start && b + size <= sentinel
    && u32[b >>> 2] === ((size | PREV_USED) >>> 0) && u32[(b + size - 4) >>> 2] === size;
}

/**
 * Where the free block ending at the sentinel starts (the sentinel itself when the last block
 * is used), after checking the sentinel and that block's tags (glibc's "corrupted top size").
 */
export function topStartOf(u32: Uint32Array, start: number, sentinel: number): number {
  const sh = u32[sentinel >>> 2];
  if ((sh & ~PREV_USED) !== USED) throw corrupt(sentinel, `corrupted sentinel before the break: header ${sh}`);
  if ((sh & PREV_USED) !== 0) return sentinel;
  const last = u32[(sentinel - 4) >>> 2];
  if (!freeTagsAgree(u32, sentinel - last, last, start, sentinel)) throw badTags(u32, sentinel - last, 'top');
  return sentinel - last;
}

/** The error for a free block (the top, a neighbour about to be merged) whose tags disagree. */
export function badTags(u32: Uint32Array, b: number, which: string): HeapCorruptionError {
  const h = u32[b >>> 2] ?? 0;
  const footer = u32[(b + (h & ~7) - 4) >>> 2];
  return corrupt(b, `corrupted ${which} free block: its size and its boundary tags disagree (header ${h}, footer ${footer}); `
    + 'a write past the end of a block?');
}

/**
 * The error for the free block b taken from a list (`list` names it) that is not a free block
 * of that list (`fits` says whether its size belongs there), or whose links do not point back.
 */
export function badListed(u32: Uint32Array, b: number, list: string, fits: (size: number) => boolean): HeapCorruptionError {
  const h = u32[b >>> 2];
  if (h === undefined || (b & 7) !== 0 || (h & USED) !== 0 || !fits((h & ~7) >>> 0)) {
    return corrupt(b, `corrupted free list (${list}): it holds ${b}, whose header says `
      + `${h === undefined ? 'nothing (outside the heap)' : `size ${(h & ~7) >>> 0}${(h & USED) !== 0 ? ', used' : ''}`}`);
  }
  return badLinksOf(u32, b, list);
}


/**
 * The segregated free lists of tlsf and their two bitmap levels (layout.ts has
 * the mapping). Lists are doubly linked through the free blocks (next at b+4,
 * prev at b+8), newest first. Every function here touches a constant number of
 * words: one head, at most two neighbours' links, at most three bitmap words.
 */
import { badLinksOf } from '../integrity.js';
import { Meta, Tl } from './layout.js';

/** Links free block b (header already written) at the head of list `index`. */
export function listInsert(u32: Uint32Array, pm: number, b: number, index: number): void {
  const hi = pm + Meta.P_HEADS + index;
  const head = u32[hi];
  // integrity: the head is at the front of its list (else its back link would be written anywhere)
  if (head !== 0 && u32[(head + 8) >>> 2] !== 0) throw badLinksOf(u32, head, listName(index));
  u32[(b + 4) >>> 2] = head;
  u32[(b + 8) >>> 2] = 0;
  if (head !== 0) u32[(head + 8) >>> 2] = b;
  else setBits(u32, pm, index);
  u32[hi] = b;
}

function setBits(u32: Uint32Array, pm: number, index: number): void {
  const fl = index >>> Tl.SL_BITS;
  u32[pm + Meta.P_SL_MAPS + fl] |= 1 << (index & (Tl.SL_COUNT - 1));
  u32[pm + Meta.P_FL_MAP] |= 1 << fl;
}

/**
 * Unlinks free block b from list `index`. Safe unlinking: b's neighbours (or the list head)
 * must point back at b, else nothing is written and HeapCorruptionError is thrown.
 */
export function listRemove(u32: Uint32Array, pm: number, b: number, index: number): void {
  const next = u32[(b + 4) >>> 2];
  const prev = u32[(b + 8) >>> 2];
  if ((next !== 0 && u32[(next + 8) >>> 2] !== b) || (prev !== 0 ? u32[(prev + 4) >>> 2] : u32[pm + Meta.P_HEADS + index]) !== b) {
    throw badLinksOf(u32, b, listName(index));
  }
  if (next !== 0) u32[(next + 8) >>> 2] = prev;
  if (prev !== 0) {
    u32[(prev + 4) >>> 2] = next;
  } else {
    u32[pm + Meta.P_HEADS + index] = next;
    if (next === 0) clearBits(u32, pm, index);
  }
}

/** Clears list `index`'s bit, and its level's bit when that was the level's last list. */
export function clearBits(u32: Uint32Array, pm: number, index: number): void {
  const fl = index >>> Tl.SL_BITS;
  const w = pm + Meta.P_SL_MAPS + fl;
  const m = u32[w] & ~(1 << (index & (Tl.SL_COUNT - 1)));
  u32[w] = m;
  if (m === 0) u32[pm + Meta.P_FL_MAP] &= ~(1 << fl);
}

/**
 * The first non-empty list at or above `index` (at most three bitmap words probed),
 * or -1. Lowest set bit: 31 - clz32(x & -x).
 */
export function firstListFrom(u32: Uint32Array, pm: number, index: number): number {
  if (index >= Tl.LISTS) return -1;
  let fl = index >>> Tl.SL_BITS;
  let m = u32[pm + Meta.P_SL_MAPS + fl] & (-1 << (index & (Tl.SL_COUNT - 1)));
  if (m === 0) {
    // levels above fl (fl + 1 <= FL_COUNT < 32, so the shift is exact)
    const f = u32[pm + Meta.P_FL_MAP] & (-1 << (fl + 1));
    if (f === 0) return -1;
    fl = 31 - Math.clz32(f & -f);
    m = u32[pm + Meta.P_SL_MAPS + fl];
  }
  return (fl << Tl.SL_BITS) | (31 - Math.clz32(m & -m));
}

/** The last non-empty list (for the largest free block), or -1. */
export function lastList(u32: Uint32Array, pm: number): number {
  const f = u32[pm + Meta.P_FL_MAP];
  if (f === 0) return -1;
  const fl = 31 - Math.clz32(f);
  return (fl << Tl.SL_BITS) | (31 - Math.clz32(u32[pm + Meta.P_SL_MAPS + fl]));
}

/** How errors name list `index`. */
export function listName(index: number): string {
  return `fl ${index >>> Tl.SL_BITS}, sl ${index & (Tl.SL_COUNT - 1)}`;
}

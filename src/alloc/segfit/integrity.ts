/**
 * segfit's integrity checks on the metadata its hot paths read, in the spirit of glibc's
 * ("malloc(): corrupted top size", "free(): invalid next size", "corrupted double-linked
 * list"): each test is a comparison on words the operation reads anyway, and it runs before
 * the operation writes anything, so damaged metadata (a user overflow into the next block's
 * header, a use-after-free write into a free block's links) stops at the operation that first
 * reads it as a HeapCorruptionError naming the block, instead of being amplified into wrong
 * pointers. The throwers are out of line: the hot paths stay small enough for V8 to inline.
 *
 * What is checked where:
 *   - a free chunk taken from a bin: its header is a free chunk of the bin's size, its footer
 *     agrees, its neighbours' links point back at it (safe unlinking), the chunk after it has
 *     P clear;
 *   - a free neighbour merged by free: its size is sane (>= 16, a multiple of 8, inside the
 *     heap) and its boundary tags agree;
 *   - the top chunk and the sentinel before a growth or a trim;
 *   - a region tail before it is carved.
 * A forgery that is consistent with every tag cannot be told apart (as in glibc).
 */
import type { HeapCorruptionError } from '../../base/errors.js';
import { corrupt } from '../integrity.js';

/** The free chunk `c` of `size` bytes taken from a list: its links must point back at it. */
export function badLinks(u32: Uint32Array, c: number, listHead: number): HeapCorruptionError {
  const next = u32[(c + 4) >>> 2];
  const prev = u32[(c + 8) >>> 2];
  return corrupt(c, `corrupted free list: the free block's links (next ${next}, prev ${prev}) do not point back at it`
    + (listHead !== c && prev === 0 ? ` (the list head is ${listHead})` : ''));
}

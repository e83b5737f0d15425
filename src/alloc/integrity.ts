/**
 * What every policy's integrity checks share (segfit/integrity.ts has segfit's own): the
 * corruption error, the step budget that bounds every walk of a list kept in the heap, and
 * the classification of a pointer a policy refused.
 *
 * The checks themselves are comparisons in each policy's hot paths on words the operation
 * reads anyway, before it writes anything; only the throwers live here, out of line.
 */
import { HeapCorruptionError, type HeapError } from '../base/errors.js';
import { Hdr } from '../os/header.js';

/** The corruption error for block `b` (callers `throw corrupt(...)`). */
export function corrupt(b: number, why: string): HeapCorruptionError {
  return new HeapCorruptionError(b, why);
}

/**
 * How many nodes a walk of a list inside [start, end) may visit: a list of distinct blocks of
 * at least `minBlock` bytes cannot be longer, so one that is has a cycle (a damaged link).
 */
export function walkBudget(start: number, end: number, minBlock: number): number {
  return Math.max(1, Math.ceil((end - start) / minBlock)) + 1;
}

/** The error for a list walk that ran past its budget (a damaged link made the list loop). */
export function listLoops(list: string, at: number): HeapCorruptionError {
  return corrupt(at, `corrupted free list: ${list} is longer than the heap can hold (a damaged link makes it loop)`);
}

/**
 * The error for a pointer the policy refused as invalid: when a walk of the whole heap
 * (the policy's check()) finds damaged metadata, the refusal is most likely that damage
 * seen from a live block (a write past the end of the block before it), so the corruption
 * is reported instead; on an intact heap, the InvalidPointerError stands. Error path only.
 */
export function damagedOr(check: () => void, refusal: HeapError): HeapError {
  try {
    check();
  } catch (e) {
    if (e instanceof HeapCorruptionError) return new HeapCorruptionError(e.block, `${e.invariant} (found while refusing: ${refusal.message})`);
    // a check that trips over its own reads on damaged metadata: still damage
    return corrupt(0, `the heap's metadata is damaged (${e instanceof Error ? e.message : String(e)}; found while refusing: ${refusal.message})`);
  }
  return refusal;
}

/**
 * The break from the heap header, checked against the memory (usage() and the inspections
 * read it without walking): a break past the memory or misaligned is a damaged header word.
 */
export function checkedBreak(u32: Uint32Array, hw: number, brkWord: number): number {
  const brk = u32[hw + brkWord] as number;
  if (brk > u32.length * 4 || (brk & 7) !== 0) throw corrupt(brk, `the break ${brk} in the heap header lies past the memory (${u32.length * 4} bytes) or is misaligned`);
  return brk;
}

/** The error for free block b (links next at b+4, prev at b+8) whose neighbours or list head do not point back at it. */
export function badLinksOf(u32: Uint32Array, b: number, list: string): HeapCorruptionError {
  return corrupt(b, `corrupted free list (${list}): the free block's links (next ${u32[(b + 4) >>> 2]}, prev ${u32[(b + 8) >>> 2]}) `
    + 'or the list head do not point back at it');
}

/**
 * The heap start from the header, re-read by refresh(): it never moves once the heap is
 * formatted, so a new value is a damaged header word (`known` is 0 before the first read).
 */
export function heapStartOf(u32: Uint32Array, hw: number, known: number): number {
  const start = u32[hw + Hdr.W_HEAP_START] as number;
  if (known !== 0 && start !== known) throw corrupt(hw * 4, `corrupted heap header: the heap start moved from ${known} to ${start}`);
  return start;
}

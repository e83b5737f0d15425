/**
 * Redzones and poison: the layout arithmetic of a debug block (see records.ts for
 * the picture) and the inspection of its guard bytes. Pure functions over the heap's
 * views; the DebugHeap turns what they find into reports.
 */

import type { DebugErrorKind } from '../base/types.js';
import { FREED_BYTE, REDZONE_BYTE, findNot, findNotFromEnd } from './patterns.js';
import type { BlockRecord } from './records.js';

/** Bytes before the payload: at least `redzone`, a multiple of `alignment` so the payload keeps it. */
export function leftRedzone(redzone: number, alignment: number): number {
  return Math.ceil(redzone / alignment) * alignment;
}

/** Bytes after the payload: from exactly ptr+size, `redzone` plus the slack up to 8-byte alignment. */
export function rightRedzone(redzone: number, size: number): number {
  return redzone + ((8 - (size & 7)) & 7);
}

/** Guard bytes found changed: the reported byte is the one nearest the payload (or the first changed in it). */
export interface Damage {
  kind: DebugErrorKind;
  at: number;
  /** The guarded range [from, to) and how many of its bytes changed. */
  from: number;
  to: number;
  changed: number;
  /** The pattern the range should hold. */
  expected: number;
}

function countChanged(u8: Uint8Array, from: number, to: number, byte: number): number {
  let n = 0;
  for (let a = Math.max(from, 0); a < Math.min(to, u8.length); a++) if (u8[a] !== byte) n++;
  return n;
}

/**
 * Whether both redzones of the block [base, end) with payload [ptr, ptr+size) still hold
 * their pattern: the fast check of every free and eviction (no object made); only when
 * it fails does inspectRedzones work out the damage for the report.
 */
export function redzonesIntact(u8: Uint8Array, f64: Float64Array, base: number, ptr: number, size: number, end: number): boolean {
  return findNot(u8, f64, base, ptr, REDZONE_BYTE) < 0 && findNot(u8, f64, ptr + size, end, REDZONE_BYTE) < 0;
}

/** Damage to either redzone of a block (live or freed): 0, 1 or 2 entries. */
export function inspectRedzones(u8: Uint8Array, f64: Float64Array, rec: BlockRecord): Damage[] {
  const found: Damage[] = [];
  const under = findNotFromEnd(u8, rec.base, rec.ptr, REDZONE_BYTE);
  if (under >= 0) {
    found.push({ kind: 'heap-buffer-underflow', at: under, from: rec.base, to: rec.ptr,
      changed: countChanged(u8, rec.base, rec.ptr, REDZONE_BYTE), expected: REDZONE_BYTE });
  }
  const start = rec.ptr + rec.size;
  const over = findNot(u8, f64, start, rec.end, REDZONE_BYTE);
  if (over >= 0) {
    found.push({ kind: 'heap-buffer-overflow', at: over, from: start, to: rec.end,
      changed: countChanged(u8, over, rec.end, REDZONE_BYTE), expected: REDZONE_BYTE });
  }
  return found;
}

/** Damage to the poison of a quarantined block's payload (a write after free), or null. */
export function inspectPoison(u8: Uint8Array, f64: Float64Array, rec: BlockRecord): Damage | null {
  const end = rec.ptr + rec.size;
  const at = findNot(u8, f64, rec.ptr, end, FREED_BYTE);
  if (at < 0) return null;
  return { kind: 'heap-use-after-free', at, from: rec.ptr, to: end, changed: countChanged(u8, at, end, FREED_BYTE), expected: FREED_BYTE };
}

/** Writes the pattern back over a damaged range (collect mode: each damage is reported once). */
export function repair(u8: Uint8Array, damage: Damage): void {
  u8.fill(damage.expected, damage.from, damage.to);
}

/**
 * The OS layer: the address space of one heap. It owns the break (sbrk-style
 * growth and release at the top) and asks the backing for capacity. Large
 * "mapped" runs are page-aligned, page-multiple runs of this same address
 * space (see the default allocator): one linear buffer has no second region.
 *
 * Invariants:
 *   heapStart <= brk <= backing.byteLength <= maxSize
 *   the backing never shrinks below initialSize, nor below the break.
 *   F_RETAIN_BRK >= the highest break since the last automatic trim.
 */
import { HeapCorruptionError } from '../base/errors.js';
import { backingUnit, MAX_ADDRESS_SPACE, type Backing } from './backing.js';
import { Hdr } from './header.js';

export interface BreakListener {
  onGrow(from: number, to: number, backing: number): void;
  onTrim(from: number, to: number, released: number): void;
}

/**
 * The highest break: offsets are unsigned 32-bit and the allocators index words with
 * `offset >>> 2`, so the word at the break itself must still have an offset below 2^32.
 */
export const MAX_BREAK = MAX_ADDRESS_SPACE - 8;

/**
 * Bounds of F_RETAIN_PATIENCE: the mark loses 1/2^(3 + patience) of its excess per automatic
 * trim, from 1/2 to 1/2^13; a fresh heap starts at 1/8. Shrinking is dear in V8 (it zeroes the
 * bytes it gives back, touching pages never used), so a wrong shrink costs more than a late one.
 */
const MIN_PATIENCE = -2;
const MAX_PATIENCE = 10;

export class OsLayer {
  readonly unit: number;
  /** Word index of the heap header (base >> 2). */
  readonly hw: number;
  /** Slot index of the first f64 counter (base + 64) >> 3. */
  readonly hf: number;

  constructor(readonly backing: Backing, readonly base: number) {
    this.unit = backingUnit(backing.kind);
    this.hw = base >>> 2;
    this.hf = (base + Hdr.F_SLOTS_BYTE) >>> 3;
  }

  /**
   * Moves the break up to `newBrk`, growing the backing when needed.
   * Returns false (nothing changed) when that would pass maxSize or the backing
   * refuses. The caller must refresh its views when `generationChanged()`.
   */
  raiseBreak(u32: Uint32Array, f64: Float64Array, newBrk: number): boolean {
    const maxSize = f64[this.hf + Hdr.F_MAX_SIZE];
    const brk = u32[this.hw + Hdr.W_BRK];
    // A break computed from damaged metadata must never reach the backing (a NaN or a
    // fraction would resize it to nothing): refuse before anything moves.
    if (!Number.isInteger(newBrk) || newBrk % 8 !== 0 || newBrk < brk) {
      throw new HeapCorruptionError(brk, `the break would move from ${brk} to ${newBrk}: the allocator's metadata is damaged`);
    }
    if (newBrk > maxSize || newBrk > MAX_BREAK) return false;
    const capacity = this.backing.byteLength;
    if (newBrk > capacity) {
      // Grow geometrically (x2) so that a copying backing costs amortized O(1)
      // per byte and few resizes happen; only the break counts as heap size.
      const wanted = Math.min(maxSize, roundUp(Math.max(newBrk, capacity * 2), this.unit));
      let ok = this.backing.resize(wanted);
      if (!ok && wanted > newBrk) ok = this.backing.resize(Math.min(maxSize, roundUp(newBrk, this.unit)));
      if (!ok) return false;
      // views over the old buffer may be stale now: use the new ones for the bookkeeping
      const nu32 = new Uint32Array(this.backing.buffer, 0, Math.floor(this.backing.byteLength / 4));
      const nf64 = new Float64Array(this.backing.buffer, 0, Math.floor(this.backing.byteLength / 8));
      nu32[this.hw + Hdr.W_GENERATION] = (nu32[this.hw + Hdr.W_GENERATION] + 1) >>> 0;
      nf64[this.hf + Hdr.F_OS_GROWS] += 1;
      if (nf64[this.hf + Hdr.F_LAST_WAS_SHRINK] !== 0) {
        // an automatic shrink was undone: let the high-water mark decay slower
        nf64[this.hf + Hdr.F_LAST_WAS_SHRINK] = 0;
        nf64[this.hf + Hdr.F_RETAIN_PATIENCE] = Math.min(MAX_PATIENCE, nf64[this.hf + Hdr.F_RETAIN_PATIENCE] + 1);
      }
      nf64[this.hf + Hdr.F_OS_BYTES_GROWN] += this.backing.byteLength - capacity;
      u32 = nu32;
      f64 = nf64;
    }
    u32[this.hw + Hdr.W_BRK] = newBrk;
    f64[this.hf + Hdr.F_SBRK_CALLS] += 1;
    if (newBrk > f64[this.hf + Hdr.F_PEAK_BRK]) f64[this.hf + Hdr.F_PEAK_BRK] = newBrk;
    if (newBrk > f64[this.hf + Hdr.F_RETAIN_BRK]) f64[this.hf + Hdr.F_RETAIN_BRK] = newBrk;
    return true;
  }

  /**
   * Moves the break down to `newBrk` (an automatic trim). A backing that can
   * shrink gives capacity back only when that cannot thrash: it keeps room for
   * break + trimThreshold and for the break's recent high-water mark
   * (F_RETAIN_BRK), and shrinks only when that is at most half its capacity
   * (the mirror of growing x2). Each automatic trim takes a fraction of how
   * far the mark stands above the break, and raiseBreak restores it: a heap
   * that empties and refills to the same height keeps its backing, one that
   * stays low gives it back over a few trims. The fraction adapts (see
   * F_RETAIN_PATIENCE): a shrink that is undone by growing again makes the
   * next one wait longer. Returns bytes returned to the backing.
   */
  lowerBreak(u32: Uint32Array, f64: Float64Array, newBrk: number): number {
    const brk = u32[this.hw + Hdr.W_BRK];
    if (!Number.isInteger(newBrk) || newBrk % 8 !== 0 || newBrk > brk || newBrk < u32[this.hw + Hdr.W_HEAP_START]) {
      throw new HeapCorruptionError(brk, `the break would move from ${brk} down to ${newBrk}: the allocator's metadata is damaged`);
    }
    u32[this.hw + Hdr.W_BRK] = newBrk;
    f64[this.hf + Hdr.F_SBRK_CALLS] += 1;
    if (!this.backing.canShrink) return 0;
    const need = newBrk + u32[this.hw + Hdr.W_TRIM_THRESHOLD];
    const retain = f64[this.hf + Hdr.F_RETAIN_BRK];
    const patience = f64[this.hf + Hdr.F_RETAIN_PATIENCE];
    f64[this.hf + Hdr.F_RETAIN_BRK] = retain > need ? retain - Math.floor((retain - need) / 2 ** (3 + patience)) : need;
    const target = this.floor(Math.max(need, retain), f64);
    if (target > this.backing.byteLength / 2) return 0;
    // two shrinks in a row: giving memory back was right, decay faster
    const wasShrink = f64[this.hf + Hdr.F_LAST_WAS_SHRINK];
    if (wasShrink !== 0) f64[this.hf + Hdr.F_RETAIN_PATIENCE] = Math.max(MIN_PATIENCE, patience - 1);
    f64[this.hf + Hdr.F_LAST_WAS_SHRINK] = 1;
    const returned = this.shrinkTo(u32, f64, target);
    if (returned === 0) {
      f64[this.hf + Hdr.F_RETAIN_PATIENCE] = patience;
      f64[this.hf + Hdr.F_LAST_WAS_SHRINK] = wasShrink;
    }
    return returned;
  }

  /**
   * An explicit trim: gives back all capacity above the break (rounded up to
   * the backing's unit, never below initialSize) and forgets the high-water
   * mark. Returns bytes returned to the backing; 0 when it cannot shrink.
   */
  releaseCapacity(u32: Uint32Array, f64: Float64Array): number {
    if (!this.backing.canShrink) return 0;
    const brk = u32[this.hw + Hdr.W_BRK];
    const target = this.floor(brk, f64);
    if (target >= this.backing.byteLength) return 0;
    f64[this.hf + Hdr.F_RETAIN_BRK] = brk;
    f64[this.hf + Hdr.F_LAST_WAS_SHRINK] = 0; // the user's choice says nothing about the heuristic
    return this.shrinkTo(u32, f64, target);
  }

  /** `bytes` rounded up to the backing's unit, at least initialSize and at most maxSize. */
  private floor(bytes: number, f64: Float64Array): number {
    const max = f64[this.hf + Hdr.F_MAX_SIZE];
    return Math.max(f64[this.hf + Hdr.F_INITIAL_SIZE], Math.min(max, roundUp(bytes, this.unit)));
  }

  /** Every header write must come before the resize: past it, these views may be out of bounds. */
  private shrinkTo(u32: Uint32Array, f64: Float64Array, target: number): number {
    const capacity = this.backing.byteLength;
    if (target >= capacity) return 0;
    const brk = u32[this.hw + Hdr.W_BRK];
    if (!Number.isInteger(target) || target < brk || target > f64[this.hf + Hdr.F_MAX_SIZE]) {
      throw new HeapCorruptionError(brk, `the backing would shrink to ${target} bytes (the break is ${brk}): the heap header is damaged`);
    }
    // bookkeeping first: the views may go out of bounds past the new length
    u32[this.hw + Hdr.W_GENERATION] = (u32[this.hw + Hdr.W_GENERATION] + 1) >>> 0;
    f64[this.hf + Hdr.F_OS_SHRINKS] += 1;
    f64[this.hf + Hdr.F_OS_BYTES_RETURNED] += capacity - target;
    if (!this.backing.resize(target)) {
      f64[this.hf + Hdr.F_OS_SHRINKS] -= 1;
      f64[this.hf + Hdr.F_OS_BYTES_RETURNED] -= capacity - target;
      return 0;
    }
    return capacity - target;
  }
}

export function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

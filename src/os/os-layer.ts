/**
 * The OS layer: the address space of one heap. It owns the break (sbrk-style
 * growth and release at the top) and asks the backing for capacity. Large
 * "mapped" runs are page-aligned, page-multiple runs of this same address
 * space (see the default allocator): one linear buffer has no second region.
 *
 * Invariants:
 *   heapStart <= brk <= backing.byteLength <= maxSize
 *   the backing never shrinks below initialSize, nor below the break.
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
      nf64[this.hf + Hdr.F_OS_BYTES_GROWN] += this.backing.byteLength - capacity;
      u32 = nu32;
      f64 = nf64;
    }
    u32[this.hw + Hdr.W_BRK] = newBrk;
    f64[this.hf + Hdr.F_SBRK_CALLS] += 1;
    if (newBrk > f64[this.hf + Hdr.F_PEAK_BRK]) f64[this.hf + Hdr.F_PEAK_BRK] = newBrk;
    return true;
  }

  /**
   * Moves the break down to `newBrk` and gives capacity back to the backing
   * where it can shrink (never below initialSize). Returns bytes returned to the backing.
   */
  lowerBreak(u32: Uint32Array, f64: Float64Array, newBrk: number): number {
    const brk = u32[this.hw + Hdr.W_BRK];
    if (!Number.isInteger(newBrk) || newBrk % 8 !== 0 || newBrk > brk || newBrk < u32[this.hw + Hdr.W_HEAP_START]) {
      throw new HeapCorruptionError(brk, `the break would move from ${brk} down to ${newBrk}: the allocator's metadata is damaged`);
    }
    u32[this.hw + Hdr.W_BRK] = newBrk;
    f64[this.hf + Hdr.F_SBRK_CALLS] += 1;
    if (!this.backing.canShrink) return 0;
    const capacity = this.backing.byteLength;
    // Keep trimThreshold bytes of slack above the break, so that a heap that
    // oscillates around one size does not shrink and regrow its backing each time.
    const slack = u32[this.hw + Hdr.W_TRIM_THRESHOLD];
    const target = Math.max(f64[this.hf + Hdr.F_INITIAL_SIZE], roundUp(newBrk + slack, this.unit));
    if (target >= capacity) return 0;
    if (!Number.isInteger(target) || target < newBrk) {
      throw new HeapCorruptionError(brk, `the backing would shrink to ${target} bytes, below the break ${newBrk}: the heap header is damaged`);
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

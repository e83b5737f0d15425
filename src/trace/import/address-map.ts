/**
 * Address → id, for the millions of live blocks of a captured trace. A JavaScript Map keyed
 * by 47-bit addresses boxes every key (they are not small integers) and dominated decoding
 * time, so this is an open-addressing table over typed arrays: linear probing, deletion by
 * backward shift (no tombstones), load kept at or below one half.
 *
 * Invariant: every key sits in the run of occupied slots that starts at its home slot.
 */

const EMPTY = -1;
const TWO_32 = 2 ** 32;

export class AddressMap {
  private mask: number;
  private keys: Float64Array;
  /** Id per slot; EMPTY marks a free slot. */
  private values: Int32Array;
  size = 0;

  constructor(capacityLog2 = 12) {
    this.mask = (1 << capacityLog2) - 1;
    this.keys = new Float64Array(this.mask + 1);
    this.values = new Int32Array(this.mask + 1).fill(EMPTY);
  }

  /** The id of `addr`, or -1. */
  get(addr: number): number {
    for (let slot = this.home(addr); ; slot = (slot + 1) & this.mask) {
      const value = this.values[slot] as number;
      if (value === EMPTY) return EMPTY;
      if (this.keys[slot] === addr) return value;
    }
  }

  /** Sets `addr` to `id` (a non-negative integer), replacing any previous id. */
  set(addr: number, id: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    let slot = this.home(addr);
    for (; this.values[slot] !== EMPTY; slot = (slot + 1) & this.mask) {
      if (this.keys[slot] === addr) {
        this.values[slot] = id;
        return;
      }
    }
    this.keys[slot] = addr;
    this.values[slot] = id;
    this.size++;
  }

  /** Removes `addr`; returns its id, or -1 if it was absent. */
  delete(addr: number): number {
    const { keys, values, mask } = this;
    let slot = this.home(addr);
    for (; values[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (keys[slot] === addr) break;
    }
    const id = values[slot] as number;
    if (id === EMPTY) return EMPTY;
    // Backward shift: pull later entries of the run into the hole when their home allows it.
    let hole = slot;
    for (let next = (hole + 1) & mask; values[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.home(keys[next] as number);
      const movable = hole <= next ? home <= hole || home > next : home <= hole && home > next;
      if (movable) {
        keys[hole] = keys[next] as number;
        values[hole] = values[next] as number;
        hole = next;
      }
    }
    values[hole] = EMPTY;
    this.size--;
    return id;
  }

  private home(addr: number): number {
    const lo = addr >>> 0;
    const hi = (addr / TWO_32) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.mask;
  }

  private grow(): void {
    const { keys, values } = this;
    this.mask = this.mask * 2 + 1;
    this.keys = new Float64Array(this.mask + 1);
    this.values = new Int32Array(this.mask + 1).fill(EMPTY);
    this.size = 0;
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] !== EMPTY) this.set(keys[slot] as number, values[slot] as number);
    }
  }
}

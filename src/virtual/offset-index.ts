/**
 * offset -> node of every used range: an open-addressing hash table in two typed
 * arrays (linear probing, deletion by backward shift, so there are no tombstones),
 * kept at most half full and doubled when it would pass that.
 *
 * Invariant: every key is EMPTY or the offset of a used range, and a key sits in
 * the run of occupied slots starting at its home slot.
 */
import { NIL } from './layout.js';

const EMPTY = -1;
const INITIAL_BITS = 7;
const TWO_POW_MINUS_32 = 2 ** -32;

export class OffsetIndex {
  keys!: Float64Array;
  vals!: Int32Array;
  count = 0;
  private mask = 0;
  private shift = 0;

  constructor() {
    this.allocate(INITIAL_BITS);
  }

  get capacity(): number {
    return this.keys.length;
  }

  get bytes(): number {
    return this.keys.length * 12;
  }

  /** The node stored under `key`, or NIL. */
  get(key: number): number {
    if (key < 0) return NIL; // EMPTY is -1: never a key
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === EMPTY) return NIL;
    }
  }

  /** Adds `key` (which must be absent). */
  add(key: number, val: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.rehash(31 - Math.clz32(this.keys.length) + 1);
    const keys = this.keys;
    let i = this.home(key);
    while (keys[i] !== EMPTY) i = (i + 1) & this.mask;
    keys[i] = key;
    this.vals[i] = val;
    this.count++;
  }

  /** Removes `key`; returns its node, or NIL when it was absent. */
  remove(key: number): number {
    if (key < 0) return NIL;
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) break;
      if (k === EMPTY) return NIL;
      i = (i + 1) & mask;
    }
    const val = vals[i];
    // Backward shift: pull later entries of the run into the hole when their home
    // slot does not lie cyclically in (hole, j].
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(keys[j]);
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (!stays) {
        keys[i] = keys[j];
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.count--;
    return val;
  }

  clear(): void {
    this.allocate(INITIAL_BITS);
  }

  /** Multiplicative hashing of both 32-bit halves; the top bits pick the slot. */
  private home(key: number): number {
    const hi = Math.floor(key * TWO_POW_MINUS_32);
    return Math.imul((key >>> 0) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> this.shift;
  }

  private allocate(bits: number): void {
    this.keys = new Float64Array(1 << bits).fill(EMPTY);
    this.vals = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.count = 0;
  }

  private rehash(bits: number): void {
    const keys = this.keys, vals = this.vals;
    this.allocate(bits);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.add(keys[i], vals[i]);
  }
}

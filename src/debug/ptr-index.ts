/**
 * PtrIndex: payload pointer -> slot of the block table, in typed arrays (open
 * addressing, linear probing), so that looking a block up on free / realloc and
 * adding or removing one allocates no JS object (a Map would make garbage as it
 * grows and rehashes, and costs more per lookup).
 *
 * Invariants:
 *   - keys[i] === 0 marks an empty cell (no payload pointer is 0: the left redzone
 *     comes first); a key is a pointer below 2^32 (a Uint32Array holds it exactly);
 *   - every key sits at its home cell or after it, with no empty cell between
 *     (linear probing); removal shifts later entries back instead of leaving
 *     tombstones, so that lookups stay short after many frees;
 *   - at most half the cells are used (grown x2 before), so a probe meets an empty
 *     cell soon.
 */

export class PtrIndex {
  private keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  /** 32 - log2(cells): the multiplicative hash keeps the top bits. */
  private shift: number;
  /** Keys held. */
  size = 0;

  constructor(initialCells = 1024) {
    let cells = 16;
    while (cells < initialCells) cells *= 2;
    this.keys = new Uint32Array(cells);
    this.slots = new Int32Array(cells);
    this.mask = cells - 1;
    this.shift = 32 - Math.log2(cells);
  }

  /** Home cell of a pointer: Fibonacci hashing of ptr / 8 (payloads are 8-aligned). */
  private home(ptr: number): number {
    return Math.imul(ptr >>> 3, 0x9e3779b1) >>> this.shift;
  }

  /** The slot stored for `ptr`, or -1. */
  get(ptr: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(ptr); ; i = (i + 1) & mask) {
      const k = keys[i] as number;
      if (k === 0) return -1; // (first: get(0) must not match an empty cell)
      if (k === ptr) return this.slots[i] as number;
    }
  }

  /** Stores `slot` for `ptr` (which must not be present, and must be > 0 and < 2^32). */
  set(ptr: number, slot: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.place(ptr, slot);
    this.size++;
  }

  /** Removes `ptr` if present; returns whether it was. */
  delete(ptr: number): boolean {
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.home(ptr);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i] as number;
      if (k === ptr) break;
      if (k === 0) return false;
    }
    // Backward shift: move each later entry of the run into the hole when the hole lies
    // on its probe path (between its home and its cell, cyclically), until an empty cell.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j] as number;
      if (k === 0) break;
      const h = this.home(k);
      const holeOnPath = i <= j ? h <= i || h > j : h <= i && h > j;
      if (holeOnPath) {
        keys[i] = k;
        slots[i] = slots[j] as number;
        i = j;
      }
    }
    keys[i] = 0;
    this.size--;
    return true;
  }

  private place(ptr: number, slot: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(ptr);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = ptr;
    this.slots[i] = slot;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    const cells = oldKeys.length * 2;
    this.keys = new Uint32Array(cells);
    this.slots = new Int32Array(cells);
    this.mask = cells - 1;
    this.shift = 32 - Math.log2(cells);
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i] as number;
      if (k !== 0) this.place(k, oldSlots[i] as number);
    }
  }
}

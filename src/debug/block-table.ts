/**
 * BlockTable: the live and quarantined blocks of a DebugHeap, as a struct of typed
 * arrays indexed by a slot number, with a list of free slots and a pointer index.
 *
 * Why not one object per block: a debug heap makes and drops a record on every
 * malloc / free, and with stacks off those objects (and a Map's growth) were most of
 * the garbage the collector had to chase. Here malloc and free write numbers into
 * arrays and allocate nothing, except when an array doubles. The stack handles (Error
 * objects) are kept in plain arrays, made only when stacks are captured.
 *
 * Invariants:
 *   - a slot is EMPTY, LIVE or FREED (in quarantine); only LIVE and FREED slots are
 *     in the pointer index, by their payload pointer, and two of them never share one;
 *   - every EMPTY slot below `used` is on the free list, and no slot at or above it is
 *     occupied, so scans stop at `used`;
 *   - `seq` is unique per block (allocation order), so it identifies a block in
 *     reports even when the slot has been reused.
 *
 * BlockRecord objects (records.ts) are made from a slot only to write a report.
 */

import { PtrIndex } from './ptr-index.js';
import type { BlockRecord } from './records.js';
import type { StackHandle } from './stacks.js';

export const SLOT_EMPTY = 0;
export const SLOT_LIVE = 1;
export const SLOT_FREED = 2;

export class BlockTable {
  /** Payload pointer, requested size, span [base, end) and allocation number, per slot. */
  ptr: Float64Array;
  size: Float64Array;
  base: Float64Array;
  end: Float64Array;
  seq: Float64Array;
  state: Uint8Array;
  /** Stack handles per slot; null when stacks are off (then every handle is null). */
  private allocStacks: StackHandle[] | null;
  private freeStacks: StackHandle[] | null;
  /** Slots below `used` that are EMPTY, as a stack. */
  private freeSlots: Int32Array;
  private freeCount = 0;
  /** Every occupied slot is below this. */
  used = 0;
  /** LIVE + FREED slots. */
  count = 0;
  private readonly index = new PtrIndex();

  constructor(keepStacks: boolean, initialSlots = 256) {
    this.ptr = new Float64Array(initialSlots);
    this.size = new Float64Array(initialSlots);
    this.base = new Float64Array(initialSlots);
    this.end = new Float64Array(initialSlots);
    this.seq = new Float64Array(initialSlots);
    this.state = new Uint8Array(initialSlots);
    this.freeSlots = new Int32Array(initialSlots);
    this.allocStacks = keepStacks ? [] : null;
    this.freeStacks = keepStacks ? [] : null;
  }

  /** Adds a LIVE block; returns its slot. `ptr` must not be in the table. */
  add(ptr: number, size: number, base: number, end: number, seq: number, allocStack: StackHandle): number {
    let slot: number;
    if (this.freeCount > 0) slot = this.freeSlots[--this.freeCount] as number;
    else {
      if (this.used === this.ptr.length) this.grow();
      slot = this.used++;
    }
    this.ptr[slot] = ptr;
    this.size[slot] = size;
    this.base[slot] = base;
    this.end[slot] = end;
    this.seq[slot] = seq;
    this.state[slot] = SLOT_LIVE;
    if (this.allocStacks !== null) this.allocStacks[slot] = allocStack;
    this.index.set(ptr, slot);
    this.count++;
    return slot;
  }

  /** The slot of the LIVE or FREED block whose payload starts at `ptr`, or -1. */
  find(ptr: number): number {
    return this.index.get(ptr);
  }

  /** The block was freed: it stays in the table (in quarantine) with its free stack. */
  markFreed(slot: number, freeStack: StackHandle): void {
    this.state[slot] = SLOT_FREED;
    if (this.freeStacks !== null) this.freeStacks[slot] = freeStack;
  }

  /** Drops a block from the table; its slot is reused by a later add. */
  remove(slot: number): void {
    this.index.delete(this.ptr[slot] as number);
    this.state[slot] = SLOT_EMPTY;
    if (this.allocStacks !== null) this.allocStacks[slot] = null;
    if (this.freeStacks !== null) this.freeStacks[slot] = null;
    this.freeSlots[this.freeCount++] = slot;
    this.count--;
  }

  allocStack(slot: number): StackHandle {
    return this.allocStacks?.[slot] ?? null;
  }

  freeStack(slot: number): StackHandle {
    return this.freeStacks?.[slot] ?? null;
  }

  /** A record of the block in `slot`, for a report (a snapshot: later changes to the slot do not show). */
  record(slot: number): BlockRecord {
    return {
      ptr: this.ptr[slot] as number,
      size: this.size[slot] as number,
      base: this.base[slot] as number,
      end: this.end[slot] as number,
      seq: this.seq[slot] as number,
      freed: this.state[slot] === SLOT_FREED,
      allocStack: this.allocStack(slot),
      freeStack: this.freeStack(slot),
    };
  }

  /** The occupied slots in allocation order (oldest first). O(n log n): for check(), leaks and reports. */
  slotsInOrder(): number[] {
    const slots: number[] = [];
    for (let s = 0; s < this.used; s++) if (this.state[s] !== SLOT_EMPTY) slots.push(s);
    const seq = this.seq;
    return slots.sort((a, b) => (seq[a] as number) - (seq[b] as number));
  }

  /** Records of every block, in allocation order. */
  records(): BlockRecord[] {
    return this.slotsInOrder().map((s) => this.record(s));
  }

  private grow(): void {
    const n = this.ptr.length * 2;
    const widen = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.ptr = widen(this.ptr, (k) => new Float64Array(k));
    this.size = widen(this.size, (k) => new Float64Array(k));
    this.base = widen(this.base, (k) => new Float64Array(k));
    this.end = widen(this.end, (k) => new Float64Array(k));
    this.seq = widen(this.seq, (k) => new Float64Array(k));
    this.state = widen(this.state, (k) => new Uint8Array(k));
    this.freeSlots = widen(this.freeSlots, (k) => new Int32Array(k));
  }
}

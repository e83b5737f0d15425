/**
 * The quarantine: freed blocks held back from reuse, oldest first out (FIFO), up
 * to a byte budget. While a block is in quarantine it stays allocated in the
 * underlying allocator (so nothing reuses or overwrites it) and its payload holds
 * the freed pattern; a byte that changed when it leaves is a write after free.
 *
 * Bytes counted per block: its whole span (redzones included), what it holds back.
 * Blocks are held as slots of the BlockTable, in a growable ring of numbers: pushing
 * and popping allocate nothing.
 */

import type { BlockTable } from './block-table.js';
import type { BlockRecord } from './records.js';
import type { StackHandle } from './stacks.js';

export class Quarantine {
  /** Slots and spans, oldest at `head`; `length` entries from there, wrapping. */
  private slots = new Int32Array(256);
  private spans = new Float64Array(256);
  private head = 0;
  length = 0;
  /** Bytes of all blocks held. */
  bytes = 0;

  constructor(readonly capacity: number) {}

  /** Whether a block of this span can be held at all (a larger one is released at once). */
  admits(span: number): boolean {
    return span <= this.capacity;
  }

  push(slot: number, span: number): void {
    if (this.length === this.slots.length) this.grow();
    const i = (this.head + this.length) & (this.slots.length - 1);
    this.slots[i] = slot;
    this.spans[i] = span;
    this.length++;
    this.bytes += span;
  }

  /** Whether the budget is exceeded (the caller then pops until it is not). */
  get over(): boolean {
    return this.bytes > this.capacity;
  }

  /** The oldest block's slot, removed; -1 when empty. */
  pop(): number {
    if (this.length === 0) return -1;
    const i = this.head;
    this.head = (i + 1) & (this.slots.length - 1);
    this.length--;
    this.bytes -= this.spans[i] as number;
    return this.slots[i] as number;
  }

  /** Doubles the ring (its length stays a power of two), unwrapping it. */
  private grow(): void {
    const n = this.slots.length;
    const slots = new Int32Array(n * 2);
    const spans = new Float64Array(n * 2);
    for (let k = 0; k < this.length; k++) {
      const i = (this.head + k) & (n - 1);
      slots[k] = this.slots[i] as number;
      spans[k] = this.spans[i] as number;
    }
    this.slots = slots;
    this.spans = spans;
    this.head = 0;
  }
}

/** Fields of a history entry, in its row of the `rows` array. */
const PTR = 0, SIZE = 1, BASE = 2, END = 3, SEQ = 4, FIELDS = 5;

/**
 * Freed blocks that left quarantine, the newest `limit` kept (a ring: O(1) per
 * block, no map, no object per block: the fields are copied into a Float64Array
 * that grows up to `limit` rows), so that a double free or a stale access long
 * after the free still names the block and its stacks. Lookups scan the ring, and
 * only happen while writing a report. A pointer handed out again is not removed:
 * the caller looks at the live blocks first, and the newest entry (highest seq)
 * for a pointer wins.
 */
export class FreedHistory {
  private rows = new Float64Array(0);
  private allocStacks: StackHandle[] = [];
  private freeStacks: StackHandle[] = [];
  /** Rows filled (up to limit), and the row the next add overwrites. */
  private filled = 0;
  private next = 0;

  constructor(private readonly limit: number) {}

  /** Remembers the block in `slot` of `table` (freed: its free stack is set). */
  add(table: BlockTable, slot: number): void {
    if (this.limit === 0) return;
    const row = this.next;
    if (row * FIELDS >= this.rows.length) {
      const grown = new Float64Array(Math.min(this.limit, Math.max(64, row * 2)) * FIELDS);
      grown.set(this.rows);
      this.rows = grown;
    }
    const at = row * FIELDS;
    const rows = this.rows;
    rows[at + PTR] = table.ptr[slot] as number;
    rows[at + SIZE] = table.size[slot] as number;
    rows[at + BASE] = table.base[slot] as number;
    rows[at + END] = table.end[slot] as number;
    rows[at + SEQ] = table.seq[slot] as number;
    const allocStack = table.allocStack(slot);
    const freeStack = table.freeStack(slot);
    // Stacks off: every handle is null, and the arrays stay empty.
    if (allocStack !== null || freeStack !== null || this.allocStacks.length > row) {
      this.allocStacks[row] = allocStack;
      this.freeStacks[row] = freeStack;
    }
    if (this.filled < this.limit) this.filled++;
    this.next = (row + 1) % this.limit;
  }

  /** The newest freed block that started at `ptr`. */
  get(ptr: number): BlockRecord | undefined {
    let found = -1;
    const rows = this.rows;
    for (let r = 0; r < this.filled; r++) {
      if (rows[r * FIELDS + PTR] === ptr && (found < 0 || (rows[r * FIELDS + SEQ] as number) > (rows[found * FIELDS + SEQ] as number))) found = r;
    }
    return found < 0 ? undefined : this.record(found);
  }

  /** Records of every remembered block (in no particular order). */
  values(): BlockRecord[] {
    const out: BlockRecord[] = [];
    for (let r = 0; r < this.filled; r++) out.push(this.record(r));
    return out;
  }

  private record(row: number): BlockRecord {
    const at = row * FIELDS;
    const rows = this.rows;
    return {
      ptr: rows[at + PTR] as number,
      size: rows[at + SIZE] as number,
      base: rows[at + BASE] as number,
      end: rows[at + END] as number,
      seq: rows[at + SEQ] as number,
      freed: true,
      allocStack: this.allocStacks[row] ?? null,
      freeStack: this.freeStacks[row] ?? null,
    };
  }
}

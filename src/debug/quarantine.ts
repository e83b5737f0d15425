/**
 * The quarantine: freed blocks held back from reuse, oldest first out (FIFO), up
 * to a byte budget. While a block is in quarantine it stays allocated in the
 * underlying allocator (so nothing reuses or overwrites it) and its payload holds
 * the freed pattern; a byte that changed when it leaves is a write after free.
 *
 * Bytes counted per block: its whole span (redzones included), what it holds back.
 */

import type { BlockRecord } from './records.js';

export class Quarantine {
  private queue: BlockRecord[] = [];
  private head = 0;
  /** Bytes of all blocks held. */
  bytes = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.queue.length - this.head;
  }

  /** Whether a block of this span can be held at all (a larger one is released at once). */
  admits(span: number): boolean {
    return span <= this.capacity;
  }

  push(record: BlockRecord): void {
    this.queue.push(record);
    this.bytes += record.end - record.base;
  }

  /** Whether the budget is exceeded (the caller then pops until it is not). */
  get over(): boolean {
    return this.bytes > this.capacity;
  }

  /** The oldest block, removed; undefined when empty. */
  pop(): BlockRecord | undefined {
    if (this.head >= this.queue.length) return undefined;
    const record = this.queue[this.head] as BlockRecord;
    this.head++;
    this.bytes -= record.end - record.base;
    // Compact now and then, so the array does not grow forever (amortized O(1)).
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return record;
  }

  /** The blocks held, oldest first. */
  *records(): IterableIterator<BlockRecord> {
    for (let i = this.head; i < this.queue.length; i++) yield this.queue[i] as BlockRecord;
  }
}

/**
 * Freed blocks that left quarantine, the newest `limit` kept (a ring: O(1) per
 * block, no map), so that a double free or a stale access long after the free still
 * names the block and its stacks. Lookups scan the ring, and only happen while
 * writing a report. A pointer handed out again is not removed: the caller looks at
 * the live blocks first, and the newest record (highest seq) for a pointer wins.
 */
export class FreedHistory {
  private readonly ring: BlockRecord[] = [];
  private next = 0;

  constructor(private readonly limit: number) {}

  add(record: BlockRecord): void {
    if (this.limit === 0) return;
    if (this.ring.length < this.limit) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.limit;
  }

  /** The newest freed block that started at `ptr`. */
  get(ptr: number): BlockRecord | undefined {
    let found: BlockRecord | undefined;
    for (const r of this.ring) if (r.ptr === ptr && (found === undefined || r.seq > found.seq)) found = r;
    return found;
  }

  values(): IterableIterator<BlockRecord> {
    return this.ring.values();
  }
}

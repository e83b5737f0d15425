/**
 * A block as a report sees it, and how to find the block an address belongs to
 * (or lies nearest to) when writing one. The DebugHeap keeps its blocks in typed
 * arrays (block-table.ts) and the history (quarantine.ts); a BlockRecord is a
 * snapshot made from them for a report, a leak listing or check().
 *
 * A debug block, inside one block of the underlying allocator:
 *
 *     base              ptr                     ptr+size        end
 *     ┌─────────────────┬───────────────────────┬───────────────┐
 *     │ left redzone    │ payload (requested)   │ right redzone │
 *     │ 0xfa ...        │ 0xbe.. / data / 0xfd  │ 0xfa ...      │
 *     └─────────────────┴───────────────────────┴───────────────┘
 *
 * `base` is what the underlying malloc returned; the left redzone is at least
 * `redzone` bytes (more for alignedAlloc, so that ptr keeps the alignment). The
 * right redzone starts exactly at ptr+size (byte-precise: the alignment slack is
 * part of it) and is at least `redzone` bytes long.
 */

import type { StackHandle } from './stacks.js';

export interface BlockRecord {
  readonly ptr: number;
  readonly size: number;
  readonly base: number;
  readonly end: number;
  /** Allocation order (1, 2, ...): leak marks compare against it. */
  readonly seq: number;
  /** The block was freed: it is in quarantine (or has left it, when from the history). */
  readonly freed: boolean;
  readonly allocStack: StackHandle;
  readonly freeStack: StackHandle;
}

/** Where an address lies with respect to a block. */
export interface Placement {
  record: BlockRecord;
  /** 'inside' [ptr, ptr+size), 'before' ptr, 'after' ptr+size. */
  where: 'inside' | 'before' | 'after';
  /** Bytes from the block: offset inside, or distance before ptr / at-or-after ptr+size (ASan's "N bytes after"). */
  distance: number;
}

export function placementOf(record: BlockRecord, address: number): Placement {
  const end = record.ptr + record.size;
  if (address < record.ptr) return { record, where: 'before', distance: record.ptr - address };
  if (address >= end) return { record, where: 'after', distance: address - end };
  return { record, where: 'inside', distance: address - record.ptr };
}

/**
 * The block whose whole span [base, end) holds `address`, from the live and
 * quarantined blocks first, then the history of freed ones; else the nearest live or
 * quarantined block. O(blocks): only used to write a report.
 */
export function locate(address: number, current: Iterable<BlockRecord>, history: Iterable<BlockRecord>): Placement | null {
  let nearest: BlockRecord | null = null;
  let nearestDistance = Infinity;
  for (const r of current) {
    if (address >= r.base && address < r.end) return placementOf(r, address);
    const d = address < r.ptr ? r.ptr - address : Math.max(0, address - (r.ptr + r.size) + 1);
    if (d < nearestDistance) { nearest = r; nearestDistance = d; }
  }
  let newest: BlockRecord | null = null;
  for (const r of history) {
    if (address >= r.base && address < r.end && (newest === null || r.seq > newest.seq)) newest = r;
  }
  if (newest !== null) return placementOf(newest, address);
  return nearest === null ? null : placementOf(nearest, address);
}

/** "4 bytes after the 40-byte block [1024, 1064)", as ASan words it. */
export function describePlacement(p: Placement): string {
  const r = p.record;
  const block = `the ${r.size}-byte ${r.freed ? 'freed ' : ''}block [${r.ptr}, ${r.ptr + r.size})`;
  const bytes = p.distance === 1 ? '1 byte' : `${p.distance} bytes`;
  if (p.where === 'inside') return `${bytes} inside ${block}`;
  return `${bytes} ${p.where} ${block}`;
}

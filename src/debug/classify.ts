/**
 * What kind of misuse a finding is, and how to say it: for a bad pointer passed to
 * free/realloc/usableSize/view, and for a bad byte met by the checked accessor.
 * Pure functions over the block records; the DebugHeap adds stacks and the dump.
 */

import { describePointer } from '../base/errors.js';
import type { DebugErrorKind } from '../base/types.js';
import { GARBAGE_BYTE } from './patterns.js';
import type { FreedHistory } from './quarantine.js';
import { locate, placementOf, type BlockRecord, type Placement } from './records.js';
import { FREED, NOT_IN_BLOCK, UNDEFINED } from './shadow.js';

export interface Finding {
  kind: DebugErrorKind;
  address: number;
  headline: string;
  place: Placement | null;
  detail?: string;
}

export type AccessMode = 'read' | 'write' | 'copy-from';

/**
 * `ptr` is not a live block's start. `rec` is its record if it is a quarantined block.
 * A freed block (in quarantine, or remembered in the history with nothing live over it)
 * makes free/realloc a double-free and usableSize/view a use-after-free; else bad-free.
 * Records are snapshots made for the report: the same block is recognized by its seq.
 */
export function classifyBadPointer(
  op: string, ptr: unknown, rec: BlockRecord | undefined, current: Iterable<BlockRecord>, history: FreedHistory,
): Finding {
  const call = `${op}(${describePointer(ptr)})`;
  const freeing = op === 'free' || op === 'realloc';
  const freed = (r: BlockRecord, address: number): Finding => (freeing
    ? { kind: 'double-free', address, headline: `attempting double free: ${call} on a block already freed`, place: placementOf(r, address) }
    : { kind: 'heap-use-after-free', address, headline: `${call} on a freed block`, place: placementOf(r, address) });
  if (rec !== undefined) return freed(rec, rec.ptr);
  if (typeof ptr !== 'number' || !Number.isSafeInteger(ptr)) {
    return { kind: 'bad-free', address: Number.NaN, headline: `attempting ${call}: the pointer is not an integer address`, place: null };
  }
  const place = locate(ptr, current, history.values());
  const old = history.get(ptr);
  if (old !== undefined && (place === null || place.record.seq === old.seq || place.record.freed || place.where !== 'inside')) {
    return freed(old, ptr); // freed and out of quarantine, and nothing live took its place
  }
  const what = place === null ? 'not in any block' : 'not the start of a live block';
  return { kind: 'bad-free', address: ptr, headline: `attempting ${call}: ${ptr} is ${what}`, place };
}

/**
 * The checked accessor met byte `at` (in state `state`) while accessing [address,
 * address+size): uninitialized read, use after free (in quarantine, or a remembered
 * freed block's span), or an overflow / underflow relative to the nearest block.
 */
export function classifyAccess(
  address: number, size: number, at: number, state: number, mode: AccessMode, what: string,
  current: Iterable<BlockRecord>, history: FreedHistory, memoryLength: number,
): Finding {
  const verb = mode === 'read' ? 'READ' : mode === 'write' ? 'WRITE' : 'ACCESS';
  let headline = `${verb} of size ${size} at ${address} (heap.checked().${what})`;
  if (at !== address) headline += `: its first bad byte is at ${at}`;
  const place = locate(at, current, history.values());
  if (state === UNDEFINED) {
    return { kind: 'use-of-uninitialized-value', address: at, headline, place,
      detail: `the byte at ${at} was never written (malloc fills new blocks with 0x${GARBAGE_BYTE.toString(16)}); ` +
        'write it first, use calloc, or declare bytes written through heap.u8 / Wasm with heap.markDefined()' };
  }
  const r = place?.record;
  if (state === FREED || (r !== undefined && r.freed && state === NOT_IN_BLOCK && at >= r.base && at < r.end)) {
    return { kind: 'heap-use-after-free', address: at, headline, place };
  }
  if (place === null) {
    return { kind: 'heap-buffer-overflow', address: at, headline, place,
      detail: at >= memoryLength ? `the memory has ${memoryLength} bytes` : 'no block is allocated anywhere near' };
  }
  return { kind: place.where === 'before' ? 'heap-buffer-underflow' : 'heap-buffer-overflow', address: at, headline, place };
}

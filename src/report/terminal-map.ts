/**
 * The one-line heap map for a terminal: the address space from 0 to the break, scaled to
 * `width` characters, each character the state holding most bytes of its slice (the
 * characters are in model/states.ts; the bytes below the first block, the heap header and
 * the policy's fixed metadata, print as metadata).
 */
import type { BlockInfo } from '../index.js';
import { stateStyle } from './model/states.js';

export function terminalMap(heapBlocks: readonly BlockInfo[], width: number): string {
  if (heapBlocks.length === 0 || width < 1) return '';
  // The heap header and the policy's fixed metadata lie below the first block.
  const first = heapBlocks[0] as BlockInfo;
  const blocks: readonly BlockInfo[] = first.offset > 0
    ? [{ ptr: 0, offset: 0, size: first.offset, state: 'metadata', requested: 0 }, ...heapBlocks]
    : heapBlocks;
  const last = blocks[blocks.length - 1] as BlockInfo;
  const span = last.offset + last.size;
  const per = span / width;
  const out: string[] = [];
  let b = 0;
  for (let c = 0; c < width; c++) {
    const lo = c * per, hi = lo + per;
    const weight = new Map<string, number>();
    while (b < blocks.length && (blocks[b] as BlockInfo).offset + (blocks[b] as BlockInfo).size <= lo) b++;
    for (let k = b; k < blocks.length && (blocks[k] as BlockInfo).offset < hi; k++) {
      const blk = blocks[k] as BlockInfo;
      const overlap = Math.min(hi, blk.offset + blk.size) - Math.max(lo, blk.offset);
      if (overlap > 0) weight.set(blk.state, (weight.get(blk.state) ?? 0) + overlap);
    }
    let best = ' ', bestWeight = 0;
    for (const [state, w] of weight) if (w > bestWeight) { best = stateStyle(state).char; bestWeight = w; }
    out.push(best);
  }
  return out.join('');
}

/** The legend line under a terminal map: the characters of the states present. */
export function terminalLegend(blocks: readonly BlockInfo[]): string {
  const states = [...new Set(blocks.map((b) => b.state))];
  return states.map((s) => `${stateStyle(s).char} ${s}`).join('  ');
}

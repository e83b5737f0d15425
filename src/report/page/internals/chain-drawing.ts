/**
 * A single free list drawn as a chain (head -> block -> block ...): the pool's slots and the
 * fits' chunks, in list order, the first few of them.
 */
import type { FitsInternals, PoolInternals } from '../../../index.js';
import { el, formatBytes, hex } from '../dom.js';

/** Nodes drawn before "... n more". */
const SHOWN = 24;

function chain(nodes: { text: string; mark?: string }[], length: number): HTMLElement {
  const box = el('div', { class: 'chain' }, el('span', { class: 'chain-head' }, 'head'));
  for (const n of nodes.slice(0, SHOWN)) {
    box.append(' → ', el('span', { class: `chain-node${n.mark ? ' marked' : ''}`, title: n.mark ?? '' }, n.text));
  }
  box.append(length > SHOWN ? ` → ... ${length - SHOWN} more` : ' → 0 (end)');
  return box;
}

export function drawPool(x: PoolInternals): HTMLElement {
  return el('div', {},
    el('div', { class: 'subhead' }, `pool: ${formatBytes(x.blockSize)} blocks in ${formatBytes(x.slotSize)} slots, ${x.slotsPerChunk} slots per chunk, ${x.chunks} chunks; the free list (newest first, ${x.freeList.length} slots):`),
    chain(x.freeList.first.map((s) => ({ text: hex(s) })), x.freeList.length));
}

export function drawFits(x: FitsInternals): HTMLElement {
  const rover = x.rover !== 0 ? `; rover at ${hex(x.rover)} (marked)` : '';
  return el('div', {},
    el('div', { class: 'subhead' }, `${x.policy}: the one free list in list order (${x.freeList.length} chunks)${rover}; each node: chunk and size`),
    chain(x.freeList.first.map((c, k) => ({ text: `${hex(c)} ${formatBytes(x.freeList.sizes[k] as number)}`, mark: c === x.rover ? 'the rover: next-fit searches on from here' : undefined })), x.freeList.length));
}

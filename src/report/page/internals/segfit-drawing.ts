/**
 * segfit's bins and regions: the small-bin bitmap (64 bits, one per exact chunk size), the
 * large bins' two bitmap levels, the non-empty bins with their heads and lengths, and each
 * size group's region tail (where its next small block is carved from).
 */
import type { SegfitInternals } from '../../../index.js';
import type { AnyEvent } from '../../model/step-log.js';
import { el, formatBytes, hex } from '../dom.js';
import { listsTable, sizeRange } from './lists-table.js';
import { bitRow, CELL, frame, label } from './svg.js';

const LABEL = 100;

export function drawSegfit(x: SegfitInternals, events: readonly AnyEvent[]): HTMLElement {
  // the bins the op's 'bin' events searched: by their size
  const searched = new Set<number>();
  for (const e of events) if (e.type === 'bin' && typeof (e as { binSize?: unknown }).binSize === 'number') searched.add((e as { binSize: number }).binSize);
  const svgEl = frame(LABEL + 32 * CELL, 4 * CELL + 8);
  label(svgEl, LABEL - 4, 0, 'small 16-248 B', 'end');
  bitRow(svgEl, 'small0', x.smallBitmap[0], 32, LABEL, 0);
  label(svgEl, LABEL - 4, CELL + 2, 'small 256-512 B', 'end');
  bitRow(svgEl, 'small1', x.smallBitmap[1], 32, LABEL, CELL + 2);
  label(svgEl, LABEL - 4, 2 * CELL + 6, 'large: levels', 'end');
  bitRow(svgEl, 'large-fl', x.largeFlBitmap, 14, LABEL, 2 * CELL + 6);
  label(svgEl, LABEL - 4, 3 * CELL + 8, 'large: lists', 'end');
  bitRow(svgEl, 'large-sl', x.largeSlBitmap, 27, LABEL, 3 * CELL + 8);
  const rows = x.bins.map((b) => ({ ...b, name: b.kind, sizes: sizeRange(b.minSize, b.maxSize), touched: [...searched].some((s) => s >= b.minSize && s < b.maxSize) }));
  const regions = el('table', { class: 'list-heads' }, el('tr', {}, el('th', {}, 'region group'), el('th', {}, 'tail'), el('th', {}, 'left to carve')),
    ...x.regions.map((r) => el('tr', {}, el('td', {}, `${r.minSize}-${r.maxSize} B`), el('td', {}, r.tail === 0 ? 'none' : hex(r.tail)), el('td', {}, r.tail === 0 ? '-' : formatBytes(r.tailSize)))));
  return el('div', {}, el('div', { class: 'subhead' }, 'segfit bitmaps: a set bit = that bin is non-empty (small bins hold one chunk size each; bit j = size 8j, size 512 is bit 0)'),
    svgEl as unknown as HTMLElement, regions, listsTable(rows, 'bin'));
}

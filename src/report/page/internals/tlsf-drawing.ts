/**
 * TLSF's two bitmap levels and list heads: the first-level bitmap as a column (one bit per
 * power of two), beside it each level's second-level bitmap as a row of SL bits, then the
 * non-empty lists. Cells the op's events named (searched, split into, merged into) are
 * outlined in red.
 */
import type { TlsfInternals } from '../../../index.js';
import type { AnyEvent } from '../../model/step-log.js';
import { el } from '../dom.js';
import { listsTable, sizeRange } from './lists-table.js';
import { bitRow, CELL, frame, label } from './svg.js';

const LABEL = 94;

export function drawTlsf(x: TlsfInternals, events: readonly AnyEvent[]): HTMLElement {
  const touched = new Set<number>();
  for (const e of events) {
    const f = e as Record<string, unknown>;
    if (typeof f.fl === 'number' && typeof f.sl === 'number') touched.add(f.fl * x.slCount + f.sl);
    if (typeof f.foundFl === 'number' && typeof f.foundSl === 'number' && f.foundFl >= 0) touched.add(f.foundFl * x.slCount + f.foundSl);
  }
  // levels up to the highest non-empty one (or touched), at least 3: the rest are empty
  let levels = 3;
  x.slBitmaps.forEach((w, fl) => { if (w !== 0 || (x.flBitmap >>> fl) & 1) levels = Math.max(levels, fl + 1); });
  for (const t of touched) levels = Math.max(levels, Math.floor(t / x.slCount) + 1);
  levels = Math.min(levels, x.slBitmaps.length);
  const top = 16;
  const svgEl = frame(LABEL + CELL + 10 + x.slCount * CELL, top + levels * CELL + 2);
  label(svgEl, LABEL - 4, 0, 'level', 'end');
  label(svgEl, LABEL, 0, 'FL');
  label(svgEl, LABEL + CELL + 10, 0, `second-level bitmap (sl 0 .. ${x.slCount - 1})`);
  for (let fl = 0; fl < levels; fl++) {
    const y = top + fl * CELL;
    label(svgEl, LABEL - 4, y, `${fl}: ${sizeRange(x.levelMinSize[fl] as number, null)}`, 'end');
    bitRow(svgEl, `sl${fl}`, x.slBitmaps[fl] as number, x.slCount, LABEL + CELL + 10, y, { touched: (sl) => touched.has(fl * x.slCount + sl) });
  }
  bitRow(svgEl, 'fl', x.flBitmap, levels, LABEL, top, { vertical: true });
  const note = levels < x.slBitmaps.length ? el('div', { class: 'caption' }, `levels ${levels} .. ${x.slBitmaps.length - 1}: every bit clear`) : null;
  const rows = x.lists.map((l) => ({ ...l, name: `(${l.fl}, ${l.sl})`, sizes: sizeRange(l.minSize, l.maxSize), touched: touched.has(l.fl * x.slCount + l.sl) }));
  return el('div', {}, el('div', { class: 'subhead' }, 'TLSF bitmaps: a set FL bit = some list of that power of two is non-empty; a set SL bit = that list is non-empty (red outline: what this op searched or changed)'),
    svgEl as unknown as HTMLElement, note, listsTable(rows, '(fl, sl)'));
}

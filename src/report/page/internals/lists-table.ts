/** The list heads of a segregated policy as a short table: which list, its head and length. */
import type { FreeListInfo } from '../../../index.js';
import { el, formatBytes, hex } from '../dom.js';

export interface ListRow extends FreeListInfo {
  /** e.g. "(3, 5)" or "order 7". */
  name: string;
  /** The block sizes the list holds, in words. */
  sizes: string;
  touched: boolean;
}

/** Most rows shown (a heap can have hundreds of non-empty lists). */
const MAX_ROWS = 40;

export function listsTable(rows: readonly ListRow[], heading: string): HTMLElement {
  const shown = rows.slice(0, MAX_ROWS).map((r) => el('tr', { class: r.touched ? 'touched' : '' },
    el('td', {}, r.name), el('td', {}, r.sizes), el('td', {}, r.length === 0 ? '-' : hex(r.first[0] as number)), el('td', {}, String(r.length))));
  const more = rows.length > MAX_ROWS ? el('div', {}, `... and ${rows.length - MAX_ROWS} more non-empty lists`) : null;
  return el('div', { class: 'lists' }, el('table', { class: 'list-heads' },
    el('tr', {}, el('th', {}, heading), el('th', {}, 'sizes'), el('th', {}, 'head'), el('th', {}, 'blocks')), ...shown), more);
}

export function sizeRange(min: number, next: number | null): string {
  return next === null ? `${formatBytes(min)}+` : next - min <= 8 ? formatBytes(min) : `${formatBytes(min)}-${formatBytes(next - 8)}`;
}

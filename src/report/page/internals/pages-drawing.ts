/**
 * The pages policy's size classes: for each class with pages on its list, one bar per page
 * split into used (blue), free on the page's list (green) and never used yet (orange).
 */
import type { PagesInternals } from '../../../index.js';
import { stateStyle } from '../../model/states.js';
import { el, formatBytes, hex } from '../dom.js';

/** Pages drawn per class. */
const SHOWN = 8;

function bar(p: PagesInternals['classes'][number]['pages'][number]): HTMLElement {
  const box = el('span', { class: 'page-bar', title: `page ${hex(p.offset)}: ${p.used} used, ${p.free} free, ${p.reserved} never used of ${p.capacity}` });
  for (const [n, state] of [[p.used, 'used'], [p.free, 'free'], [p.reserved, 'reserved']] as const) {
    const part = el('span', {});
    part.style.width = `${n / Math.max(1, p.capacity) * 100}%`;
    part.style.background = stateStyle(state).colour;
    box.append(part);
  }
  return box;
}

export function drawPages(x: PagesInternals): HTMLElement {
  const rows = x.classes.map((c) => el('tr', {}, el('td', {}, formatBytes(c.blockSize)), el('td', {}, String(c.pageCount)),
    el('td', {}, ...c.pages.slice(0, SHOWN).map(bar), c.pageCount > SHOWN ? ` +${c.pageCount - SHOWN}` : '')));
  return el('div', {},
    el('div', { class: 'subhead' }, 'pages: the size classes with pages on their list (pages with room); each bar one page: used / free / never used'),
    rows.length ? el('table', { class: 'list-heads' }, el('tr', {}, el('th', {}, 'class'), el('th', {}, 'pages'), el('th', {}, 'their blocks')), ...rows) : el('div', {}, 'no page has room: the next small request takes a new page'));
}

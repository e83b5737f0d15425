/**
 * The buddy tree by levels: one row per order, highest first; along each row the buddy
 * space from its start to the break, with the free blocks of that order where they lie
 * (so a block's buddy is the block beside it in the same row). The order's bitmap bit at
 * the left; orders the op split or merged outlined in red.
 */
import type { BuddyInternals } from '../../../index.js';
import type { AnyEvent } from '../../model/step-log.js';
import { el, formatBytes } from '../dom.js';
import { bitRow, CELL, frame, label, SET, svg, TOUCHED } from './svg.js';

const LABEL = 124;
const WIDTH = 250;

export function drawBuddy(x: BuddyInternals, events: readonly AnyEvent[]): HTMLElement {
  const touched = new Set<number>();
  for (const e of events) if (e.type.startsWith('buddy-')) touched.add((e as { order: number }).order);
  const orders = [...x.orders].reverse();
  const span = Math.max(1, x.end - x.start);
  const svgEl = frame(LABEL + CELL + 6 + WIDTH + 96, orders.length * CELL + 2);
  orders.forEach((o, row) => {
    const y = row * CELL;
    label(svgEl, LABEL - 4, y, `order ${o.order} (${formatBytes(o.size)})`, 'end');
    bitRow(svgEl, 'order', x.bitmap >>> o.order, 1, LABEL, y, { touched: () => touched.has(o.order), firstBit: o.order });
    const x0 = LABEL + CELL + 6;
    svgEl.append(svg('line', { x1: x0, x2: x0 + WIDTH, y1: y + CELL / 2, y2: y + CELL / 2, stroke: '#ddd' }));
    // one path per order (thousands of free blocks stay one element); data-offsets lists them for tests
    const w = Math.max(1.5, o.size / span * WIDTH).toFixed(2);
    const d = o.first.map((b) => `M${(x0 + (b - x.start) / span * WIDTH).toFixed(2)} ${y + 1}h${w}v${CELL - 3}h-${w}z`).join('');
    if (d !== '') svgEl.append(svg('path', { d, fill: SET, class: 'buddy-free', 'data-order': o.order, 'data-offsets': o.first.join(' ') }));
    label(svgEl, x0 + WIDTH + 4, y, o.length > o.first.length ? `${o.length} (${o.first.length} drawn)` : String(o.length));
    if (touched.has(o.order)) svgEl.append(svg('rect', { x: x0 - 1, y, width: WIDTH + 2, height: CELL - 1, fill: 'none', stroke: TOUCHED }));
  });
  return el('div', {}, el('div', { class: 'subhead' }, `buddy free lists by order, over the space ${formatBytes(span)} wide: each blue bar a free block of that order at its address; left: the order's bitmap bit; right: blocks on the list`),
    svgEl as unknown as HTMLElement);
}

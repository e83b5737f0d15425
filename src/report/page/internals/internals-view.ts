/**
 * The policy's own structures in step mode, from heap.internals(): one drawing per kind
 * (TLSF's bitmaps and lists, segfit's bins and regions, the buddy orders, the pool's and
 * the fits' free list, the pages' size classes); a kind this page has no drawing for is
 * shown as its data.
 */
import type { PolicyInternals } from '../../../index.js';
import type { AnyEvent } from '../../model/step-log.js';
import { el, hex } from '../dom.js';
import { drawBuddy } from './buddy-drawing.js';
import { drawFits, drawPool } from './chain-drawing.js';
import { drawPages } from './pages-drawing.js';
import { drawSegfit } from './segfit-drawing.js';
import { drawTlsf } from './tlsf-drawing.js';

export function drawInternals(x: PolicyInternals, events: readonly AnyEvent[]): HTMLElement {
  switch (x.kind) {
    case 'tlsf': return drawTlsf(x, events);
    case 'segfit': return drawSegfit(x, events);
    case 'buddy': return drawBuddy(x, events);
    case 'pool': return drawPool(x);
    case 'fits': return drawFits(x);
    case 'pages': return drawPages(x);
    case 'arena': return el('div', { class: 'subhead' }, `arena: the allocation point (bump) is at ${hex(x.bump)}; release(mark) moves it back to a mark (the last at ${hex(x.lastMark)}), freeing every block above at once`);
    case 'none': return el('div', { class: 'subhead' }, `${x.policy}: this policy shows no internals`);
    default: return el('pre', {}, JSON.stringify(x, null, 1));
  }
}

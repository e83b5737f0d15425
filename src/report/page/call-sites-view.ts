/**
 * Call sites in the page, for a trace that has them (a captured `.hft`): heaptrack's three
 * lists, computed by the same code as `heapflow replay --sites` (src/trace/call-sites.ts),
 * and the switch that colours the heap map and the address x time picture by call site,
 * with its legend.
 */
import { callSiteLists, type CallSiteLists, describeCallSite, type SiteFigure } from '../../trace/call-sites.js';
import { NO_SITE, type TraceDetail } from '../../trace/types.js';
import type { ReplaySession } from '../model/session.js';
import { liveSites, NOT_LIVE_COLOUR, OTHER_SITES_COLOUR, SitePalette } from '../model/site-colours.js';
import { el, formatBytes } from './dom.js';
import type { MapBlock } from './heap-map.js';

/** How many sites each list shows. */
export const TOP_SITES = 10;

/** Paints a block (a word for ImageData), or leaves it to its state's colour (undefined). */
export type BlockPainter = (block: MapBlock) => number | undefined;

export class CallSitesView {
  /** The three lists, as the page shows them. */
  readonly element: HTMLElement;
  /** The switch and the site legend, for the heap map's section. */
  readonly toggle: HTMLElement;
  readonly palette: SitePalette;
  private readonly checkbox: HTMLInputElement;
  private readonly legendBox: HTMLElement;

  private constructor(private readonly session: ReplaySession, private readonly detail: TraceDetail, readonly lists: CallSiteLists) {
    this.palette = new SitePalette(lists, detail.sites.length);
    this.checkbox = el('input', { type: 'checkbox', id: 'site-colours' });
    this.legendBox = el('div', { class: 'legend site-legend' });
    this.legendBox.style.display = 'none';
    this.toggle = el('div', { class: 'site-toggle' },
      el('label', {}, this.checkbox, ' colour blocks by call site (the address × time picture too)'), this.legendBox);
    this.legendBox.append(...this.palette.swatches.map((s) => swatch(s.colour,
      s.site === -1 ? 'every other site' : s.site === NO_SITE ? 'no known site' : describeCallSite(detail.sites[s.site]))),
    swatch(NOT_LIVE_COLOUR, 'not a live block'));
    this.element = el('div', { class: 'site-lists' },
      list('site-peak', `Live at the peak (${formatBytes(lists.peakLiveBytes)} in all)`, lists.byPeakLive, formatBytes, this.colourOf),
      list('site-count', 'Allocations', lists.byCount, count, this.colourOf),
      list('site-temporary', 'Temporary allocations (freed by the next op of their thread)', lists.byTemporary, count, this.colourOf));
  }

  /** The view of a trace with a call-site table, or undefined (a `.rep` trace has none). */
  static of(session: ReplaySession): CallSitesView | undefined {
    const detail = session.trace.detail;
    const lists = callSiteLists(session.trace, TOP_SITES);
    return detail === undefined || lists === undefined ? undefined : new CallSitesView(session, detail, lists);
  }

  get on(): boolean { return this.checkbox.checked; }

  /** Calls `change` whenever the switch is flipped (after the legend is shown or hidden). */
  onChange(change: () => void): void {
    this.checkbox.addEventListener('change', () => {
      this.legendBox.style.display = this.on ? '' : 'none';
      change();
    });
  }

  set(on: boolean): void {
    if (this.checkbox.checked === on) return;
    this.checkbox.checked = on;
    this.checkbox.dispatchEvent(new Event('change'));
  }

  /** The painter of the heap map after `t` ops: live blocks by site, the rest pale; null when off. */
  painterAt(t: number): BlockPainter | null {
    if (!this.on) return null;
    const sites = liveSites(this.session, this.detail, t);
    return (b) => {
      const site = b.state === 'metadata' ? undefined : sites.siteOf(b.ptr);
      return site === undefined ? this.palette.notLive : this.palette.word(site);
    };
  }

  /** The colour of op `j`'s block in the address x time picture; undefined when off. */
  opColour(): ((op: number) => number) | undefined {
    if (!this.on) return undefined;
    return (op) => this.palette.word(this.detail.siteIndex[op] as number);
  }

  /** The line naming the site of the op that made a block, for the block's hover text. */
  siteLine(birthOp: number): string {
    return `call site: ${describeCallSite(this.detail.sites[this.detail.siteIndex[birthOp] as number])}`;
  }

  private readonly colourOf = (site: number): string => this.palette.swatches.find((s) => s.site === site)?.colour ?? OTHER_SITES_COLOUR;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

function swatch(colour: string, label: string): HTMLElement {
  const box = el('span', { class: 'swatch' });
  box.style.background = colour;
  return el('span', { class: 'entry' }, box, ` ${label}`);
}

function list(id: string, title: string, figures: readonly SiteFigure[], unit: (v: number) => string, colourOf: (site: number) => string): HTMLElement {
  const rows = figures.map((f) => {
    const box = el('span', { class: 'swatch' });
    box.style.background = colourOf(f.site);
    return el('tr', { 'data-site': f.site === NO_SITE ? 'none' : String(f.site), 'data-value': String(f.value) },
      el('td', { class: 'num' }, unit(f.value)), el('td', {}, box, ' ', describeCallSite(f.callSite)));
  });
  return el('div', { class: 'site-list', id },
    el('h3', {}, title),
    rows.length === 0 ? el('p', { class: 'explain' }, 'none') : el('table', {}, el('tbody', {}, ...rows)));
}

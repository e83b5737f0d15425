/**
 * Where a captured trace's memory went, by call site — heaptrack's three lists:
 *
 *   - peak: bytes each site had live at the moment the whole trace's live bytes peaked;
 *   - count: allocations each site made (a block's site is that of its latest a or r op);
 *   - temporary: allocations freed by the very next op of the same thread (heaptrack's
 *     "temporary allocations": nothing else happened in that thread while they lived).
 *
 * Browser-safe; the report page and `heapflow replay` both use it.
 */

import { type CallSite, NO_SITE, OP_ALLOC, OP_FREE, type Trace } from './types.js';

export interface SiteFigure {
  /** Index into the trace's site table (NO_SITE: ops without a known site, together). */
  site: number;
  callSite: CallSite | undefined;
  value: number;
}

export interface CallSiteLists {
  byPeakLive: SiteFigure[];
  byCount: SiteFigure[];
  byTemporary: SiteFigure[];
  /** The trace's peak of live requested bytes, which byPeakLive splits. */
  peakLiveBytes: number;
}

/** The top `top` sites of each list (largest first; zero entries left out); undefined without a site table. */
export function callSiteLists(trace: Trace, top = 10): CallSiteLists | undefined {
  const detail = trace.detail;
  if (detail === undefined || detail.sites.length === 0) return undefined;
  const slots = detail.sites.length + 1; // the last slot gathers ops without a site
  const slotOf = (site: number): number => (site === NO_SITE ? slots - 1 : site);
  const liveBySite = new Float64Array(slots);
  const count = new Float64Array(slots);
  const temporary = new Float64Array(slots);
  let atPeak = new Float64Array(slots);
  const peakOp = opOfPeak(trace); // snapshot there: copying at every new peak would be quadratic
  const blockSize = new Float64Array(trace.idCount);
  const blockSlot = new Int32Array(trace.idCount);
  /** Per thread, the id allocated by its latest op if that op was an allocation, else -1. */
  const justAllocated = new Map<number, number>();
  let live = 0;
  let peak = 0;
  for (let i = 0; i < trace.length; i++) {
    const kind = trace.kinds[i];
    const id = trace.ids[i] as number;
    const thread = detail.threadIndex[i] as number;
    const pending = justAllocated.get(thread) ?? -1;
    if (kind === OP_FREE) {
      const slot = blockSlot[id] as number;
      if (pending === id) temporary[slot]++;
      liveBySite[slot]! -= blockSize[id] as number;
      live -= blockSize[id] as number;
      blockSize[id] = 0;
      justAllocated.set(thread, -1);
      continue;
    }
    const slot = slotOf(detail.siteIndex[i] as number);
    if (kind !== OP_ALLOC) { // realloc: the block moves to the realloc's site with its new size
      liveBySite[blockSlot[id] as number]! -= blockSize[id] as number;
      live -= blockSize[id] as number;
    }
    const size = trace.sizes[i] as number;
    blockSlot[id] = slot;
    blockSize[id] = size;
    liveBySite[slot]! += size;
    live += size;
    count[slot]++;
    justAllocated.set(thread, kind === OP_ALLOC ? id : -1);
    if (i === peakOp) {
      peak = live;
      atPeak = liveBySite.slice();
    }
  }
  const rank = (values: Float64Array): SiteFigure[] => [...values.keys()]
    .filter((slot) => (values[slot] as number) > 0)
    .sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
    .slice(0, top)
    .map((slot) => ({ site: slot === slots - 1 ? NO_SITE : slot, callSite: detail.sites[slot], value: values[slot] as number }));
  return { byPeakLive: rank(atPeak), byCount: rank(count), byTemporary: rank(temporary), peakLiveBytes: peak };
}

/** Index of the first op after which live requested bytes are highest (-1 for an empty trace). */
function opOfPeak(trace: Trace): number {
  const size = new Float64Array(trace.idCount);
  let live = 0;
  let peak = 0;
  let at = -1;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.ids[i] as number;
    live -= size[id] as number;
    size[id] = trace.kinds[i] === OP_FREE ? 0 : trace.sizes[i] as number;
    live += size[id] as number;
    if (live > peak) {
      peak = live;
      at = i;
    }
  }
  return at;
}

/** A call site in one short line: function, then file:line or module+offset. */
export function describeSite(figure: SiteFigure): string {
  return describeCallSite(figure.callSite);
}

/** describeSite for a table entry (undefined: ops without a known site). */
export function describeCallSite(site: CallSite | undefined): string {
  if (site === undefined) return '(unknown call site)';
  const where = site.location !== '?' ? site.location : site.module !== '?' ? site.module : site.pc;
  return site.fn !== '?' ? `${site.fn} (${where})` : where;
}

/** The call-site lists of a captured trace (src/trace/call-sites.ts) as text and as JSON. */

import { type CallSiteLists, describeSite, type SiteFigure } from '../trace/call-sites.js';
import { formatBytes, formatCount } from './format.js';
import { renderTable } from './table.js';

/** Three small tables under a heading naming the trace. */
export function renderCallSites(label: string, lists: CallSiteLists): string {
  const section = (title: string, figures: readonly SiteFigure[], column: string, unit: (v: number) => string): string =>
    figures.length === 0 ? `${title}: none\n`
      : `${title}\n${renderTable([{ title: column, align: 'right' }, { title: 'call site', align: 'left' }],
        figures.map((f) => [unit(f.value), describeSite(f)]))}`;
  return `\ncall sites of ${label}\n`
    + section(`live at the peak (${formatBytes(lists.peakLiveBytes)} in all)`, lists.byPeakLive, 'bytes', formatBytes)
    + section('allocations', lists.byCount, 'count', formatCount)
    + section('temporary allocations (freed by the next op of their thread)', lists.byTemporary, 'count', formatCount);
}

export function callSitesJson(lists: CallSiteLists): Record<string, unknown> {
  const figures = (list: readonly SiteFigure[]): Record<string, unknown>[] => list.map((f) => ({
    site: f.callSite === undefined ? null : f.site,
    function: f.callSite?.fn ?? '?',
    location: f.callSite?.location ?? '?',
    module: f.callSite?.module ?? '?',
    value: f.value,
  }));
  return { peakLiveBytes: lists.peakLiveBytes, byPeakLive: figures(lists.byPeakLive), byCount: figures(lists.byCount), byTemporary: figures(lists.byTemporary) };
}

/**
 * The comparison of allocator policies on one trace: a row per policy, with speed,
 * utilization, fragmentation, reuse and the worst-case work of one operation.
 */

import type { ReplayResult } from '../trace/replay.js';
import { formatCount, formatNs, formatPercent } from './format.js';
import { type Column, renderTable } from './table.js';

const COLUMNS: readonly Column[] = [
  { title: 'allocator', align: 'left' },
  { title: 'ns/op', align: 'right' },
  { title: 'util', align: 'right' },
  { title: 'frag@peak', align: 'right' },
  { title: 'reuse', align: 'right' },
  { title: 'work max', align: 'right' },
  { title: 'work p99.9', align: 'right' },
  { title: 'errors', align: 'right' },
];

/** One table for the results of one trace (each result a different allocator), titled with the trace. */
export function renderComparison(title: string, results: readonly ReplayResult[]): string {
  const rows = results.map((r) => [
    r.allocator,
    formatNs(r.nsPerOp),
    formatPercent(r.utilization),
    formatPercent(r.externalFragmentation),
    formatPercent(r.reuseRatio),
    formatCount(r.workMax),
    formatCount(r.workP999),
    r.verified ? formatCount(r.errors) : `${formatCount(r.errors)} (unverified)`,
  ]);
  return `${title}\n${renderTable(COLUMNS, rows)}`;
}

/** The legend printed once under the comparison tables. */
export const COMPARISON_LEGEND = `util: peak live bytes / peak heap size (malloc-lab utilization). frag@peak: 1 - largest free
block / free bytes when live bytes peaked. reuse: allocations served from free memory rather than
by raising the break. work: units of allocator work of one operation (a free-list node or block
examined, a bin list or bitmap word probed): the most any op took, and the 99.9th percentile.
`;

/** The replay results as a table: one row per trace, and a total / mean row when there are several. */

import type { ReplayResult } from '../trace/replay.js';
import { formatBytes, formatCount, formatNs, formatPercent } from './format.js';
import { type Column, renderTable } from './table.js';
import { summarizeResults } from './summary.js';

const COLUMNS: readonly Column[] = [
  { title: 'trace', align: 'left' },
  { title: 'ops', align: 'right' },
  { title: 'ns/op', align: 'right' },
  { title: 'peak live', align: 'right' },
  { title: 'peak heap', align: 'right' },
  { title: 'util', align: 'right' },
  { title: 'frag@peak', align: 'right' },
  { title: 'grows', align: 'right' },
  { title: 'shrinks', align: 'right' },
  { title: 'sbrk', align: 'right' },
  { title: 'runs map/unmap', align: 'right' },
  { title: 'reused', align: 'right' },
  { title: 'grown', align: 'right' },
  { title: 'errors', align: 'right' },
];

/** `label` names each trace in the first column (the CLI passes the path as given, demo the file name). */
export function renderResultsTable(results: readonly ReplayResult[], label: (result: ReplayResult) => string): string {
  const rows = results.map((r) => [
    label(r),
    formatCount(r.ops),
    formatNs(r.nsPerOp),
    formatBytes(r.peakLiveBytes),
    formatBytes(r.peakHeapSize),
    formatPercent(r.utilization),
    formatPercent(r.externalFragmentation),
    formatCount(r.osGrows),
    formatCount(r.osShrinks),
    formatCount(r.sbrkCalls),
    `${formatCount(r.runsMapped)}/${formatCount(r.runsUnmapped)}`,
    formatCount(r.reusedAllocs),
    formatCount(r.grownAllocs),
    r.verified ? formatCount(r.errors) : `${formatCount(r.errors)} (unverified)`,
  ]);
  if (results.length < 2) return renderTable(COLUMNS, rows);
  const s = summarizeResults(results);
  const footer = [[
    'total / mean',
    formatCount(s.ops),
    formatNs(s.meanNsPerOp),
    '',
    '',
    formatPercent(s.meanUtilization),
    formatPercent(s.meanExternalFragmentation),
    formatCount(s.osGrows),
    formatCount(s.osShrinks),
    formatCount(s.sbrkCalls),
    `${formatCount(s.runsMapped)}/${formatCount(s.runsUnmapped)}`,
    formatCount(s.reusedAllocs),
    formatCount(s.grownAllocs),
    formatCount(s.errors),
  ]];
  return renderTable(COLUMNS, rows, footer);
}

/** The replay results as a table: one row per trace, and a total / mean row when there are several. */

import type { ReplayResult } from '../trace/replay.js';
import { formatBytes, formatCount, formatNs, formatPercent } from './format.js';
import { type Column, renderTable } from './table.js';
import { summarizeResults } from './summary.js';

/** Each column with what it means: the table's header and `demo`'s legend come from this one list. */
const COLUMNS: readonly (Column & { meaning: string })[] = [
  { title: 'trace', align: 'left', meaning: 'the trace file (its base name)' },
  { title: 'ops', align: 'right', meaning: 'operations in the trace: a (malloc), f (free), r (realloc) lines' },
  { title: 'ns/op', align: 'right', meaning: 'time per operation, median of the timed passes (run without the checks)' },
  { title: 'peak live', align: 'right', meaning: 'most payload bytes live at one time' },
  { title: 'peak heap', align: 'right', meaning: 'highest break: every byte taken from the backing, metadata included' },
  { title: 'util', align: 'right', meaning: 'utilization: peak live / peak heap (the malloc-lab score)' },
  { title: 'frag@peak', align: 'right', meaning: 'external fragmentation when live bytes peaked: share of free bytes outside the largest free block' },
  { title: 'grows', align: 'right', meaning: 'times the backing (the OS layer\'s memory) was resized up' },
  { title: 'shrinks', align: 'right', meaning: 'times it was resized down (trim gave memory back)' },
  { title: 'sbrk', align: 'right', meaning: 'times the break moved (up to grow the heap, down to trim it)' },
  { title: 'runs map/unmap', align: 'right', meaning: 'page runs (requests of at least mmapThreshold, 128 KiB) mapped / given back' },
  { title: 'reused', align: 'right', meaning: 'mallocs served from a freed block (a bin or a region)' },
  { title: 'grown', align: 'right', meaning: 'mallocs served by raising the break' },
  { title: 'errors', align: 'right', meaning: 'failed checks (alignment, bounds, overlap, contents); 0 is clean' },
];

/** One line per column: its title and what it means. */
export function renderLegend(): string {
  const width = Math.max(...COLUMNS.map((c) => c.title.length));
  return `${COLUMNS.map((c) => `  ${c.title.padEnd(width)}  ${c.meaning}`).join('\n')}\n`;
}

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

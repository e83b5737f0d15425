/**
 * `heapflow demo [--backing KIND] [--samples N]` (what `npm start` runs): a narrated walk through
 * every step of the flow on a small heap, then every bundled malloc-lab trace replayed with full
 * checking: the table with a total / mean row, its legend, an account of the flow in words, and
 * last the path of an HTML report of the same traces (heapflow report) to open in a browser.
 */

import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { BackingKind } from '../base/types.js';
import { generalAllocatorNames } from '../index.js';
import { loadTraces } from './load-traces.js';
import { bundledTraceDir } from './package-root.js';
import { walkThroughTheFlow } from './flow-walk.js';
import { renderLegend, renderResultsTable } from './results-table.js';
import { reportErrors } from './replay-command.js';
import { writeReport } from './report-command.js';
import { runReplays } from './run-replays.js';
import { describeFlow } from './summary.js';
import { BACKINGS, parseBacking, parsePositiveInteger } from './usage.js';

const DEFAULT_SAMPLES = 5;

/** Outside the current folder, so `npm start` leaves the working tree as it was; the same file each run. */
const DEFAULT_REPORT = join(tmpdir(), 'heapflow-demo-report.html');

interface DemoFlags {
  backing: BackingKind;
  samples: number;
  /** A path, or false with --no-report. */
  report: string | false;
}

export function registerDemo(program: Command): void {
  program.command('demo')
    .summary('replay the bundled malloc-lab traces and explain what the allocator did')
    .description('Walk through every step of the flow on a small heap, then replay the bundled CS:APP malloc-lab '
      + 'traces with every block checked, print a table of what the allocator did, explain the flow in words and '
      + 'write an HTML report of the traces (what `npm start` runs).')
    .option('--backing <kind>', `${BACKINGS.join(' | ')}`, parseBacking, 'arraybuffer')
    .option('--samples <n>', 'timed samples per trace; the median is reported', parsePositiveInteger, DEFAULT_SAMPLES)
    .option('--report <file>', 'where to write the HTML report of the traces (heapflow report)', DEFAULT_REPORT)
    .option('--no-report', 'write no report')
    .action(async (flags: DemoFlags) => {
      process.exitCode = await demo(flags);
    });
}

async function demo({ backing, samples, report }: DemoFlags): Promise<number> {
  const dir = bundledTraceDir();
  const files = (await readdir(dir)).filter((name) => name.endsWith('.rep')).sort();
  const traces = await loadTraces(files.map((name) => join(dir, name)));
  const label = (source: string): string => basename(source, '.rep');

  process.stdout.write(`${walkThroughTheFlow()}\n`);
  process.stdout.write(`The same flow over the ${traces.length} CS:APP malloc-lab traces in traces/malloclab, backing '${backing}'.\n`
    + `Each trace is replayed once with every block checked, then timed (median of ${samples} sample${samples === 1 ? '' : 's'}).\n\n`);
  const results = runReplays(traces, { backing, verify: true, samples }, (trace) => label(trace.source));
  process.stdout.write(renderResultsTable(results, (r) => label(r.trace)));
  process.stdout.write(`\nColumns:\n${renderLegend()}\n`);
  process.stdout.write(describeFlow(results, (r) => label(r.trace)));
  reportErrors(results);
  if (report !== false) {
    // The page compares every general-purpose policy side by side on the same traces.
    const path = await writeReport(traces.map((trace) => trace.source),
      { output: report, title: 'heapflow demo: the malloc-lab traces', allocator: generalAllocatorNames().join(',') });
    process.stdout.write('\nThe flow as pictures (heap map, timelines, step mode, policies side by side), in one file\n'
      + `that opens offline in a browser (heapflow report):\n${path}\n`);
  }
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

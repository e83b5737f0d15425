/**
 * `heapflow demo [--backing KIND] [--samples N]` (what `npm start` runs): a narrated walk through
 * every step of the flow on a small heap, then every bundled malloc-lab trace replayed with full
 * checking: the table with a total / mean row, its legend, and an account of the flow in words.
 */

import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { BackingKind } from '../base/types.js';
import { loadTraces } from './load-traces.js';
import { bundledTraceDir } from './package-root.js';
import { walkThroughTheFlow } from './flow-walk.js';
import { renderLegend, renderResultsTable } from './results-table.js';
import { reportErrors } from './replay-command.js';
import { runReplays } from './run-replays.js';
import { describeFlow } from './summary.js';
import { BACKINGS, parseBacking, parsePositiveInteger } from './usage.js';

const DEFAULT_SAMPLES = 5;

interface DemoFlags {
  backing: BackingKind;
  samples: number;
}

export function registerDemo(program: Command): void {
  program.command('demo')
    .summary('replay the bundled malloc-lab traces and explain what the allocator did')
    .description('Replay the bundled CS:APP malloc-lab traces with every block checked, print a table of '
      + 'what the allocator did and explain the flow in words (what `npm start` runs).')
    .option('--backing <kind>', `${BACKINGS.join(' | ')}`, parseBacking, 'arraybuffer')
    .option('--samples <n>', 'timed samples per trace; the median is reported', parsePositiveInteger, DEFAULT_SAMPLES)
    .action(async (flags: DemoFlags) => {
      process.exitCode = await demo(flags);
    });
}

async function demo({ backing, samples }: DemoFlags): Promise<number> {
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
  // HOOK(report, issue #12): once `heapflow report` is on main, write the report of these traces
  // and end with its path, e.g.
  //   process.stdout.write(`\nReport (open in a browser): ${await writeReport(files.map((name) => join(dir, name)), {})}\n`);
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

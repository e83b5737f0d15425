/**
 * `heapflow demo` (what `npm start` runs): replays every bundled malloc-lab trace with full
 * checking, prints the table with a total / mean row, then an account of the flow in words.
 */

import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTraces } from './load-traces.js';
import { bundledTraceDir } from './package-root.js';
import { renderResultsTable } from './results-table.js';
import { reportErrors } from './replay-command.js';
import { runReplays } from './run-replays.js';
import { describeFlow } from './summary.js';
import { parseBacking, parsingArguments, UsageError } from './usage.js';

export async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsingArguments(() => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { backing: { type: 'string' } },
  }));
  if (positionals.length > 0) throw new UsageError(`demo takes no files (got '${positionals[0]}'); use 'heapflow replay'`);
  const backing = parseBacking(values.backing);

  const dir = bundledTraceDir();
  const files = (await readdir(dir)).filter((name) => name.endsWith('.rep')).sort();
  const traces = await loadTraces(files.map((name) => join(dir, name)));
  const label = (source: string): string => basename(source, '.rep');

  process.stdout.write(`heapflow demo: the ${traces.length} CS:APP malloc-lab traces in traces/malloclab, backing '${backing}'.\n`
    + 'Each trace is replayed once with every block checked, then timed (median of 5 samples).\n\n');
  const results = runReplays(traces, { backing, verify: true }, (trace) => label(trace.source));
  process.stdout.write(renderResultsTable(results, (r) => label(r.trace)));
  process.stdout.write('\n');
  process.stdout.write(describeFlow(results, (r) => label(r.trace)));
  reportErrors(results);
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

/**
 * `heapflow replay FILE.rep ... [--json] [--backing KIND] [--no-verify] [--samples N] [--debug]`
 *
 * Table mode: one table (a row per trace) on stdout. JSON mode: exactly one JSON object
 * per trace per line on stdout and nothing else. Failed checks go to stderr in both.
 * Returns the exit status: 1 if any check failed, else 0.
 */

import { parseArgs } from 'node:util';
import type { ReplayResult } from '../trace/replay.js';
import { loadTraces } from './load-traces.js';
import { renderResultsTable } from './results-table.js';
import { runReplays } from './run-replays.js';
import { parseBacking, parsePositiveInteger, parsingArguments, UsageError } from './usage.js';

const DEFAULT_SAMPLES = 5;

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsingArguments(() => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      backing: { type: 'string' },
      'no-verify': { type: 'boolean' },
      samples: { type: 'string' },
      debug: { type: 'boolean' },
    },
  }));
  if (positionals.length === 0) throw new UsageError('replay needs at least one trace file');
  const settings = {
    backing: parseBacking(values.backing),
    verify: values['no-verify'] !== true,
    samples: parsePositiveInteger('--samples', values.samples, DEFAULT_SAMPLES),
    // --debug: every heap of the replay is a debug heap (redzones, quarantine; docs/debugging.md)
    ...(values.debug === true ? { heapOptions: { debug: true } } : {}),
  };
  const traces = await loadTraces(positionals);

  const json = values.json === true;
  const results = runReplays(traces, settings, (trace) => trace.source, (result) => {
    if (json) process.stdout.write(`${JSON.stringify(toJson(result))}\n`);
  });
  if (!json) process.stdout.write(renderResultsTable(results, (r) => r.trace));
  reportErrors(results);
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

/** The JSON line of one trace: stable keys, NaN written as null. */
export function toJson(result: ReplayResult): Record<string, unknown> {
  return {
    trace: result.trace,
    backing: result.backing,
    verified: result.verified,
    ops: result.ops,
    nsPerOp: finiteOrNull(result.nsPerOp),
    timedOps: result.timedOps,
    peakLiveBytes: result.peakLiveBytes,
    peakHeapSize: result.peakHeapSize,
    utilization: result.utilization,
    externalFragmentation: result.externalFragmentation,
    reuseRatio: result.reuseRatio,
    reusedAllocs: result.reusedAllocs,
    grownAllocs: result.grownAllocs,
    osGrows: result.osGrows,
    osBytesGrown: result.osBytesGrown,
    osShrinks: result.osShrinks,
    osBytesReturned: result.osBytesReturned,
    sbrkCalls: result.sbrkCalls,
    runsMapped: result.runsMapped,
    runsUnmapped: result.runsUnmapped,
    errors: result.errors,
    errorMessages: result.errorMessages,
  };
}

export function reportErrors(results: readonly ReplayResult[]): void {
  for (const result of results) {
    if (result.errors === 0) continue;
    process.stderr.write(`heapflow: ${result.trace}: ${result.errors} check(s) failed:\n`);
    for (const message of result.errorMessages) process.stderr.write(`  ${message}\n`);
    if (result.errors > result.errorMessages.length) {
      process.stderr.write(`  ... and ${result.errors - result.errorMessages.length} more\n`);
    }
  }
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/**
 * `heapflow replay FILE... [--json] [--backing KIND] [--no-verify] [--samples N] [--debug]`
 *
 * Table mode: one table (a row per trace, named by its base name) on stdout. JSON mode: exactly
 * one JSON object per trace per line on stdout and nothing else. Failed checks go to stderr in
 * both. Sets the exit status: 1 if any check failed, else 0.
 */

import { type Command, InvalidArgumentError } from 'commander';
import type { AllocatorName, BackingKind } from '../base/types.js';
import type { ReplayResult } from '../trace/replay.js';
import { callSiteLists } from '../trace/call-sites.js';
import { callSitesJson, renderCallSites } from './call-sites-table.js';
import { loadTraces } from './load-traces.js';
import { mapLines } from './map-line.js';
import { renderResultsTable } from './results-table.js';
import { runReplays, type ReplaySettings } from './run-replays.js';
import { COMPARISON_LEGEND, renderComparison } from './compare-table.js';
import { servesTrace } from './serves.js';
import { allocatorNames, DEFAULT_ALLOCATOR } from '../policies.js';
import { traceLabels } from './trace-labels.js';
import { BACKINGS, parseAllocators, parseBacking, parsePositiveInteger } from './usage.js';

const DEFAULT_SAMPLES = 5;
const DEFAULT_SITES = 5;

interface ReplayFlags {
  json?: boolean;
  allocator?: string[];
  backing: BackingKind;
  verify: boolean;
  samples: number;
  debug?: boolean;
  sites: number;
  map?: boolean;
}

export function registerReplay(program: Command): void {
  program.command('replay')
    .summary('replay traces (.rep, .hft, imported logs), check every block and measure')
    .description('Replay allocation traces: CS:APP malloc-lab .rep, heapflow .hft (from capture or convert) or any log '
      + 'convert reads, gzipped or not (recognised by content). A first pass checks every block (8-byte alignment, '
      + 'inside the heap, no overlap, contents kept by free and realloc) and records peak live bytes, heap size, '
      + 'utilization, fragmentation and OS-layer calls; timed passes then measure ns per op.')
    .argument('<files...>', 'trace files')
    .option('--json', 'one JSON object per trace per line on stdout, nothing else')
    .option('--allocator <names>', `allocator policies to compare, comma-separated, or all: ${allocatorNames().join(', ')} (default ${DEFAULT_ALLOCATOR})`, parseAllocators)
    .option('--backing <kind>', `${BACKINGS.join(' | ')}`, parseBacking, 'arraybuffer')
    .option('--no-verify', 'skip the block checks (statistics and timing only)')
    .option('--samples <n>', 'timed samples per trace; the median is reported', parsePositiveInteger, DEFAULT_SAMPLES)
    .option('--map', 'after the table, print each heap after the last op as a one-line map (block states as characters)')
    .option('--debug', 'run every heap in debug mode (redzones, quarantine, double/bad free checks; '
      + 'see docs/debugging.md); ns/op is then debug mode\'s')
    .option('--sites <n>', 'call sites listed per list for traces that have them (.hft from capture); 0: none',
      parseCount, DEFAULT_SITES)
    .action(async (files: string[], flags: ReplayFlags) => {
      process.exitCode = await replay(files, flags);
    });
}

async function replay(files: readonly string[], flags: ReplayFlags): Promise<number> {
  const debug = flags.debug === true;
  const allocators = flags.allocator ?? [DEFAULT_ALLOCATOR];
  const traces = await loadTraces(files);
  const label = traceLabels(traces.map((trace) => trace.source));
  const json = flags.json === true;
  const settings = (allocator: string): ReplaySettings => ({
    backing: flags.backing,
    verify: flags.verify,
    samples: flags.samples,
    heapOptions: { allocator: allocator as AllocatorName, ...(debug ? { debug: true } : {}) },
  });
  const jobs = traces.flatMap((trace) => allocators.filter((a) => servesTrace(a, trace)).map((a) => ({ trace, allocator: a })));
  const skipped = traces.flatMap((trace) => allocators.filter((a) => !servesTrace(a, trace)).map((a) => `${label(trace.source)}: ${a}`));
  const sites = new Map(traces.map((trace) => [trace.source, flags.sites > 0 ? callSiteLists(trace, flags.sites) : undefined]));
  const results = runReplays(jobs.map((j) => j.trace), (i) => settings(jobs[i]!.allocator),
    (trace) => label(trace.source), (result) => {
      const lists = sites.get(result.trace);
      if (json) process.stdout.write(`${JSON.stringify({ ...toJson(result, debug), ...(lists ? { callSites: callSitesJson(lists) } : {}) })}\n`);
    });
  if (!json) {
    if (allocators.length === 1) {
      process.stdout.write(renderResultsTable(results, (r) => label(r.trace)));
    } else {
      for (const trace of traces) {
        const own = results.filter((r) => r.trace === trace.source);
        process.stdout.write(`${renderComparison(label(trace.source), own)}\n`);
      }
      process.stdout.write(COMPARISON_LEGEND);
    }
    for (const [source, lists] of sites) if (lists !== undefined) process.stdout.write(renderCallSites(label(source), lists));
    if (skipped.length > 0) process.stdout.write(`not replayed (the policy cannot serve the trace): ${skipped.join('; ')}\n`);
    if (flags.map === true) {
      const columns = process.stdout.columns ?? 100;
      for (const { trace, allocator } of jobs) {
        const name = allocators.length > 1 ? `${label(trace.source)} (${allocator})` : label(trace.source);
        process.stdout.write(`${mapLines(name, trace, { backing: flags.backing, allocator: allocator as AllocatorName }, columns).join('\n')}\n`);
      }
    }
  }
  reportErrors(results);
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

/** The JSON line of one trace: stable keys, NaN written as null; `debug` says whether debug mode was on. */
export function toJson(result: ReplayResult, debug: boolean): Record<string, unknown> {
  return {
    trace: result.trace,
    allocator: result.allocator,
    backing: result.backing,
    debug,
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
    workMax: result.workMax,
    workP999: result.workP999,
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

/** `--sites N`: 0 to 999. */
function parseCount(value: string): number {
  if (!/^[0-9]{1,3}$/.test(value)) throw new InvalidArgumentError('Expected a whole number from 0 to 999.');
  return Number(value);
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

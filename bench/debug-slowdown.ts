/**
 * The debug-mode section of `npm run bench`: how much slower `createHeap({ debug })` is than the
 * normal heap on the malloc-lab traces, with stack capture off (`debug: { stacks: false }`) and on
 * (`debug: true`). Target: under 10x with stacks off (geometric mean over the traces).
 *
 * Each mode is timed with the replay engine's timed pass (src/trace/replay.ts: fresh heap per
 * sample, one discarded warm-up sample, no verification, median ns/op). Stacks on is ~80x slower,
 * so it gets a third of the ops per sample and at most 3 samples.
 *
 * Standalone (the same table as the bench's section, on any .rep files):
 *
 *   npm run build:test && node .build/bench/debug-slowdown.js [--samples N] [trace.rep ...]
 */
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { HeapOptions } from '../src/index.js';
import { readRep } from '../src/trace/read-rep.js';
import { replayTrace } from '../src/trace/replay.js';
import type { Trace } from '../src/trace/types.js';
import { type DebugRow, renderDebugTable } from './report.js';

export type { DebugRow } from './report.js';

function timed(trace: Trace, heapOptions: HeapOptions, samples: number, minOps: number) {
  return replayTrace(trace, { verify: false, timed: true, samples, minTimedOpsPerSample: minOps, heapOptions });
}

/** Times one trace in the three modes (stacks on gets a third of the ops and at most 3 samples). */
export function debugSlowdown(trace: Trace, samples = 5, minOps = 100_000): DebugRow {
  const normal = timed(trace, {}, samples, minOps);
  const off = timed(trace, { debug: { stacks: false } }, samples, minOps);
  const on = timed(trace, { debug: true }, Math.min(samples, 3), Math.ceil(minOps / 3));
  const runs = [normal, off, on];
  return {
    trace: trace.source,
    normal: normal.nsPerOp,
    stacksOff: off.nsPerOp,
    stacksOn: on.nsPerOp,
    errors: runs.reduce((s, r) => s + r.errors, 0),
    errorMessages: runs.flatMap((r) => r.errorMessages).slice(0, 3),
  };
}

/** The bench section: every trace file in turn, as report rows. */
export async function debugRows(
  traces: Array<{ name: string; path: string }>, samples: number, minOps: number, log: (s: string) => void = () => {},
): Promise<DebugRow[]> {
  const rows: DebugRow[] = [];
  for (const t of traces) {
    const r = debugSlowdown(await readRep(t.path), samples, minOps);
    rows.push({ trace: t.name, normal: r.normal, stacksOff: r.stacksOff, stacksOn: r.stacksOn, errors: r.errors, errorMessages: r.errorMessages });
    log(`  ${t.name}: normal ${r.normal.toFixed(1)}, stacks off ${r.stacksOff.toFixed(1)} (${(r.stacksOff / r.normal).toFixed(1)}x), ` +
      `stacks on ${r.stacksOn.toFixed(1)} ns/op (${(r.stacksOn / r.normal).toFixed(1)}x)${r.errors ? `, ${r.errors} errors` : ''}`);
  }
  return rows;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values, positionals } = parseArgs({ options: { samples: { type: 'string' } }, allowPositionals: true });
  const samples = values.samples === undefined ? 5 : Number(values.samples);
  const dir = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
  const paths = positionals.length ? positionals
    : readdirSync(dir).filter((n) => n.endsWith('.rep')).sort().map((n) => join(dir, n));
  const rows = await debugRows(paths.map((p) => ({ name: basename(p).replace(/\.rep$/, ''), path: p })), samples, 100_000,
    (s) => console.error(s));
  console.log(renderDebugTable(rows));
}

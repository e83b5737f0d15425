/**
 * How much slower debug mode is than the normal mode on the malloc-lab traces, with
 * stacks off and on (the figures in docs/debugging.md):
 *
 *   npm run build:test && node .build/examples/debug-slowdown.js [trace.rep ...]
 *
 * Each mode is timed with the replay engine's timed pass (no verification): median ns/op.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { HeapOptions } from '../src/index.js';
import { readRep } from '../src/trace/read-rep.js';
import { replayTrace } from '../src/trace/replay.js';
import type { Trace } from '../src/trace/types.js';

export interface DebugSlowdown {
  trace: string;
  /** Median ns per op of the normal heap, of debug mode with stacks off, and with stacks on. */
  normal: number;
  stacksOff: number;
  stacksOn: number;
}

function nsPerOp(trace: Trace, heapOptions: HeapOptions, samples: number, minOps: number): number {
  return replayTrace(trace, { verify: false, timed: true, samples, minTimedOpsPerSample: minOps, heapOptions }).nsPerOp;
}

/** Times one trace in the three modes (stacks on gets fewer ops: it is ~100x slower). */
export function debugSlowdown(trace: Trace, samples = 5, minOps = 100_000): DebugSlowdown {
  return {
    trace: trace.source,
    normal: nsPerOp(trace, {}, samples, minOps),
    stacksOff: nsPerOp(trace, { debug: { stacks: false } }, samples, minOps),
    stacksOn: nsPerOp(trace, { debug: true }, Math.min(samples, 3), Math.ceil(minOps / 3)),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
  const paths = process.argv.length > 2 ? process.argv.slice(2)
    : readdirSync(dir).filter((n) => n.endsWith('.rep')).sort().map((n) => join(dir, n));
  let logOff = 0;
  let logOn = 0;
  console.log('| trace | normal ns/op | stacks off ns/op | slowdown | stacks on ns/op | slowdown |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const path of paths) {
    const r = debugSlowdown(await readRep(path));
    logOff += Math.log(r.stacksOff / r.normal);
    logOn += Math.log(r.stacksOn / r.normal);
    const name = path.split('/').pop();
    console.log(`| ${name} | ${r.normal.toFixed(0)} | ${r.stacksOff.toFixed(0)} | ${(r.stacksOff / r.normal).toFixed(1)}× | ` +
      `${r.stacksOn.toFixed(0)} | ${(r.stacksOn / r.normal).toFixed(1)}× |`);
  }
  console.log(`| geometric mean | | | ${Math.exp(logOff / paths.length).toFixed(1)}× | | ${Math.exp(logOn / paths.length).toFixed(1)}× |`);
}

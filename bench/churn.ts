/**
 * The resizable backing's cost in ordinary use (issue #16): heapflow with default options on each
 * backing, on the churn workload (test/support/churn.ts: rounds of 500-3,500 mallocs of 1-2,000
 * bytes, one in ten up to 60,000, then all freed) and optionally on trace files. Prints CPU ns/op
 * per backing, its ratio to 'arraybuffer' measured in the same round, and the resize counts.
 * A script, not a test.
 *
 *   npm run build:test && node .build/bench/churn.js [--rounds N] [--workload-rounds N]
 *       [--backings a,b] [--traces malloclab|synthetic|FILE.rep,...] [--min-ops N]
 *
 * Every backing gets its own copy of the core (loadHeapflowCopy) and of the workload loops (one
 * module instance each) so that no call site sees two kinds of typed array; the rounds are interleaved and the starting backing rotates; each run uses
 * a fresh heap, warmed up first. The figure per backing is the median over rounds; the ratio is
 * the median of the per-round ratios. Time is the process's CPU time (user + system: the page
 * faults and zeroing of a resize count), not wall time, so that other processes on a shared
 * machine disturb the figures less. HEAPFLOW_SRC=path/to/dist measures another build (e.g. main's).
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadHeapflowCopy, type HeapflowModule } from './adapters.js';
import { BENCH_DIR, DEFAULT_TRACE_DIR, ensureTraces, SYNTHETIC, tracePath } from './gen-traces.js';
import { loadTrace, median, type BenchTrace } from './replay.js';
import type { churn, ChurnHeap } from '../test/support/churn.js';
import type { replayTrace, TraceHeap } from './trace-loop.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'workload-rounds': { type: 'string', default: '100' },
    backings: { type: 'string', default: 'arraybuffer,resizable,shared,wasm' },
    traces: { type: 'string' },
    'min-ops': { type: 'string', default: '200000' },
  },
});
const rounds = positive('--rounds', values.rounds);
const workloadRounds = positive('--workload-rounds', values['workload-rounds']);
const minOps = positive('--min-ops', values['min-ops']);
const backings = String(values.backings).split(',');
if (!backings.includes('arraybuffer')) backings.unshift('arraybuffer');

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  return n;
}

type Heap = ChurnHeap & TraceHeap & { stats(): { osGrows: number; osShrinks: number } };
interface Workload { name: string; run(heap: Heap, backing: string): number }

/** The workload modules, imported once per backing (see trace-loop.ts). */
interface Loops { churn: typeof churn; replayTrace: typeof replayTrace }
const loops = new Map<string, Loops>();
for (const b of backings) {
  const copy = `?backing=${b}`;
  loops.set(b, {
    churn: ((await import(new URL(`../test/support/churn.js${copy}`, import.meta.url).href)) as { churn: typeof churn }).churn,
    replayTrace: ((await import(new URL(`./trace-loop.js${copy}`, import.meta.url).href)) as { replayTrace: typeof replayTrace }).replayTrace,
  });
}

function traceWorkload(tr: BenchTrace): Workload {
  const ptrs = new Float64Array(tr.nIds);
  const reps = Math.max(1, Math.ceil(minOps / tr.nOps));
  return { name: tr.name, run: (heap, b) => (loops.get(b) as Loops).replayTrace(heap, tr, reps, ptrs) };
}

async function traceWorkloads(list: string | undefined): Promise<Workload[]> {
  if (list === undefined) return [];
  const out: Workload[] = [];
  for (const item of list.split(',')) {
    if (item === 'malloclab') {
      const dir = join(BENCH_DIR, '..', 'traces', 'malloclab');
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.rep')).sort()) {
        const tr = await loadTrace(join(dir, f), 'malloclab');
        out.push(traceWorkload({ ...tr, name: `malloclab/${basename(f, '.rep')}` }));
      }
    } else if (item === 'synthetic') {
      ensureTraces(DEFAULT_TRACE_DIR, () => {});
      for (const n of SYNTHETIC) out.push(traceWorkload({ ...(await loadTrace(tracePath(DEFAULT_TRACE_DIR, n), 'synthetic')), name: n }));
    } else {
      out.push(traceWorkload({ ...(await loadTrace(item, 'synthetic')), name: basename(item, '.rep') }));
    }
  }
  return out;
}

const workloads: Workload[] = [
  { name: 'churn', run: (heap, b) => (loops.get(b) as Loops).churn(heap, workloadRounds) },
  ...await traceWorkloads(values.traces),
];
const mods = new Map<string, HeapflowModule>();
for (const b of backings) mods.set(b, await loadHeapflowCopy(`churn-${b}`));

interface Row { ns: number[]; ratio: number[]; grows: number; shrinks: number }

function timeOne(w: Workload, backing: string, row: Row): number {
  const heap = (mods.get(backing) as HeapflowModule).createHeap({ backing }) as unknown as Heap;
  w.run(heap, backing); // warm-up on this heap: the JIT compiles the hot paths
  const start = process.cpuUsage();
  const ops = w.run(heap, backing);
  const used = process.cpuUsage(start);
  const s = heap.stats();
  row.grows = s.osGrows;
  row.shrinks = s.osShrinks;
  return ((used.user + used.system) * 1000) / ops;
}

console.log(`${rounds} interleaved runs per workload, createHeap({ backing }) with defaults, CPU time; churn: ${workloadRounds} rounds`);
console.log('workload                  backing      CPU ns/op (median, min-max)   / arraybuffer (median, min-max)   grows  shrinks (last run)');
const worst = new Map<string, number>();
for (const w of workloads) {
  const rows = new Map<string, Row>(backings.map((b) => [b, { ns: [], ratio: [], grows: 0, shrinks: 0 }]));
  for (let r = 0; r < rounds; r++) {
    const order = backings.map((_, i) => backings[(i + r) % backings.length] as string);
    const got = new Map(order.map((b) => [b, timeOne(w, b, rows.get(b) as Row)]));
    const base = got.get('arraybuffer') as number;
    for (const [b, ns] of got) {
      const row = rows.get(b) as Row;
      row.ns.push(ns);
      row.ratio.push(ns / base);
    }
  }
  const range = (xs: number[], d: number) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})`;
  for (const [b, row] of rows) {
    worst.set(b, Math.max(worst.get(b) ?? 0, median(row.ratio)));
    console.log(`${w.name.padEnd(24)}  ${b.padEnd(11)}  ${range(row.ns, 0).padEnd(28)}  ${range(row.ratio, 2).padEnd(32)}  ${String(row.grows).padStart(5)}  ${String(row.shrinks).padStart(7)}`);
  }
}
if (workloads.length > 1) for (const [b, x] of worst) if (b !== 'arraybuffer') console.log(`worst median ratio ${b} / arraybuffer: ${x.toFixed(2)}`);

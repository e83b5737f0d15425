/**
 * The churn benchmark of issue #16: heapflow with default options on each backing, running the
 * churn workload (test/support/churn.ts: rounds of 500-3,500 mallocs of 1-2,000 bytes, one in ten
 * up to 60,000, then all freed). Prints ns/op per backing, its ratio to 'arraybuffer' measured in
 * the same round, and the backing's resize counts. A script, not a test.
 *
 *   npm run build:test && node .build/bench/churn.js [--rounds N] [--workload-rounds N] [--backings a,b]
 *
 * Every backing gets its own copy of the core (loadHeapflowCopy) so that no call site sees two
 * kinds of typed array; the rounds are interleaved and the starting backing rotates. The figure
 * per backing is the median over rounds; the ratio is the median of the per-round ratios. Time is
 * the process's CPU time (user + system: page faults of a regrown buffer count), not wall time,
 * so that other processes on a shared machine disturb the figures less.
 * HEAPFLOW_SRC=path/to/dist measures another build (e.g. main's, for before/after figures).
 */
import { parseArgs } from 'node:util';
import { loadHeapflowCopy, type HeapflowModule } from './adapters.js';
import { churn, type ChurnHeap } from '../test/support/churn.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'workload-rounds': { type: 'string', default: '100' },
    backings: { type: 'string', default: 'arraybuffer,resizable,shared,wasm' },
  },
});
const rounds = Number(values.rounds);
const workloadRounds = Number(values['workload-rounds']);
const backings = String(values.backings).split(',');
if (!backings.includes('arraybuffer')) backings.unshift('arraybuffer');
for (const [name, n] of [['--rounds', rounds], ['--workload-rounds', workloadRounds]] as const) {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(n)}`);
}

interface Row { ns: number[]; ratio: number[]; grows: number; shrinks: number }

const mods = new Map<string, HeapflowModule>();
for (const b of backings) mods.set(b, await loadHeapflowCopy(`churn-${b}`));
const rows = new Map<string, Row>(backings.map((b) => [b, { ns: [], ratio: [], grows: 0, shrinks: 0 }]));

function timeOne(backing: string): number {
  const heap = (mods.get(backing) as HeapflowModule).createHeap({ backing }) as unknown as ChurnHeap & {
    stats(): { osGrows: number; osShrinks: number };
  };
  churn(heap, 5, 7); // warm-up on this heap: the JIT compiles the hot paths
  const start = process.cpuUsage();
  const ops = churn(heap, workloadRounds);
  const used = process.cpuUsage(start);
  const ns = ((used.user + used.system) * 1000) / ops;
  const s = heap.stats();
  const row = rows.get(backing) as Row;
  row.grows = s.osGrows;
  row.shrinks = s.osShrinks;
  return ns;
}

for (let r = 0; r < rounds; r++) {
  const order = backings.map((_, i) => backings[(i + r) % backings.length] as string);
  const got = new Map(order.map((b) => [b, timeOne(b)]));
  const base = got.get('arraybuffer') as number;
  for (const [b, ns] of got) {
    const row = rows.get(b) as Row;
    row.ns.push(ns);
    row.ratio.push(ns / base);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
console.log(`churn: ${workloadRounds} workload rounds per run, ${rounds} interleaved runs, createHeap({ backing }) with defaults, CPU time`);
console.log('backing       CPU ns/op (median, min-max)    / arraybuffer (median, min-max)   grows  shrinks (last run)');
for (const [b, row] of rows) {
  const range = (xs: number[], d: number) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})`;
  console.log(`${b.padEnd(12)}  ${range(row.ns, 0).padEnd(25)}  ${range(row.ratio, 2).padEnd(32)}  ${String(row.grows).padStart(5)}  ${String(row.shrinks).padStart(7)}`);
}

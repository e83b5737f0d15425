/**
 * `npm run bench:latency` — per-operation latency of every general-purpose policy: each malloc,
 * free and realloc of a trace timed on its own with performance.now(), the timer's own cost
 * (the median of back-to-back readings, measured first) subtracted, and the p50, p99, p99.9 and
 * max reported. The worst case of a real-time allocator is a property of its algorithm
 * (npm run bench:worst counts it in machine-independent work units); this measures what the
 * machine adds: cache misses, the break being raised, GC pauses of the process, scheduling.
 *
 *   npm run bench:latency                         every policy, 5 traces, 3 rounds (the fastest round is kept per op)
 *   npm run bench:latency -- --traces lifo,bash --allocator segfit,tlsf --rounds 5
 *
 * A script, not a test. The timer resolution and cost are printed: a p50 below the timer's cost
 * is not resolved.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import { createHeap, generalAllocatorNames } from '../src/index.js';
import { DEFAULT_TRACE_DIR, ensureTraces } from './gen-traces.js';
import { type BenchTrace, heapFor, loadNamedTrace, MiB } from './replay.js';
import { table } from './report-format.js';
import { writeResults } from './results-file.js';

const DEFAULT_TRACES = ['rand-small', 'fragment', 'malloclab/random-bal', 'real/bash', 'real/find'];

/** Median cost of one performance.now() reading, in ns (the smallest step it resolves, too). */
function timerCost(): { costNs: number; stepNs: number } {
  const n = 200_000;
  const d = new Float64Array(n);
  let step = Infinity;
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const b = performance.now();
    d[i] = (b - a) * 1e6;
    if (d[i] > 0 && d[i] < step) step = d[i];
  }
  d.sort();
  return { costNs: d[n >> 1], stepNs: step };
}

/**
 * One replay with every op timed; `out[i]` keeps the fastest time op i took over the rounds
 * (so a GC pause or a preemption in one round does not stand for the allocator). False when
 * the heap ran out of room.
 */
function timedReplay(tr: BenchTrace, allocator: string, heapBytes: number, out: Float64Array): boolean {
  const heap = createHeap({ allocator: allocator as never, initialSize: heapBytes, maxSize: heapBytes });
  const ptr = new Float64Array(tr.nIds);
  const { kind, ids, sizes } = tr;
  for (let i = 0; i < tr.nOps; i++) {
    const id = ids[i];
    const k = kind[i];
    let t0 = 0, t1 = 0, p = 0;
    if (k === 1) {
      t0 = performance.now();
      heap.free(ptr[id]);
      t1 = performance.now();
      ptr[id] = 0;
    } else {
      t0 = performance.now();
      p = k === 0 || ptr[id] === 0 ? heap.malloc(sizes[i]) : heap.realloc(ptr[id], sizes[i]);
      t1 = performance.now();
      if (p === 0) return false;
      heap.u8[p] = i;
      ptr[id] = p;
    }
    const ns = (t1 - t0) * 1e6;
    if (ns < out[i]) out[i] = ns;
  }
  return true;
}

function percentiles(xs: Float64Array, costNs: number): number[] {
  const s = Float64Array.from(xs, (x) => Math.max(0, x - costNs)).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return [at(0.5), at(0.99), at(0.999), s[s.length - 1]];
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: {
    traces: { type: 'string' }, allocator: { type: 'string' }, rounds: { type: 'string' }, write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } });
  if (v.help) {
    console.log('npm run bench:latency -- [--traces a,b] [--allocator segfit,tlsf] [--rounds 3] [--write: also bench/LATENCY.md]');
    return;
  }
  ensureTraces(DEFAULT_TRACE_DIR, (s) => console.error(`generated ${s}`));
  const policies = v.allocator ? v.allocator.split(',') : generalAllocatorNames();
  const rounds = Math.max(1, Number(v.rounds ?? 3));
  const timer = timerCost();
  console.error(`[latency] performance.now(): ${timer.costNs.toFixed(0)} ns per reading (median), smallest step ${timer.stepNs.toFixed(0)} ns`);
  const rows: string[][] = [];
  for (const name of (v.traces ?? DEFAULT_TRACES.join(',')).split(',')) {
    const tr = await loadNamedTrace(name);
    for (const p of policies) {
      const best = new Float64Array(tr.nOps).fill(Infinity);
      let mult = 4;
      while (mult <= 64 && !timedReplay(tr, p, heapFor(tr, mult, 2 ** 31 - MiB), best.fill(Infinity))) mult *= 2;
      for (let r = 1; r < rounds; r++) timedReplay(tr, p, heapFor(tr, mult, 2 ** 31 - MiB), best);
      const [p50, p99, p999, max] = percentiles(best, timer.costNs);
      console.error(`[latency] ${tr.name} on ${p}: p50 ${p50.toFixed(0)}, p99 ${p99.toFixed(0)}, p99.9 ${p999.toFixed(0)}, max ${max.toFixed(0)} ns`);
      rows.push([tr.name, p, ...[p50, p99, p999, max].map((x) => x.toFixed(0))]);
    }
  }
  const md = `# Latency per operation (ns, the timer's cost subtracted)\n\n` +
    `Produced by \`npm run bench:latency\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ` +
    `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}. ` +
    `Each op's time is the fastest of ${rounds} rounds; performance.now() costs ${timer.costNs.toFixed(0)} ns per reading ` +
    `(subtracted) and resolves steps of ${timer.stepNs.toFixed(0)} ns, so figures below that are not resolved.\n\n` +
    table(['trace', 'policy', 'p50', 'p99', 'p99.9', 'max'], rows) + '\n';
  console.log(md);
  writeResults(md, 'latency', 'LATENCY.md', v.write);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

/**
 * What the busy word costs (src/heap/busy-guard.ts): a heap in shared memory takes the header's
 * busy word with one Atomics.compareExchange per allocator call and frees it with an Atomics.store.
 * Measured against the same build with the guard compiled out: a private copy of the compiled core
 * in which createHeap and attachHeap use the policy itself (create.js's `guardIfShared(x, os)` becomes
 * `x`), verified to be unwrapped. Both copies replay the same traces on the
 * 'shared' backing in interleaved rounds (one heap per cell, warmed up, reused: bench/README.md's
 * method); the figure is the median over rounds of the per-round ratio guarded / unguarded, and
 * the geometric mean over the traces. The 'arraybuffer' backing of the two copies runs the same
 * code (no guard in either): its ratio is the noise floor of the measurement. Target: <= 1.10.
 *
 *   npm run bench:guard [-- --rounds N] [--min-ops N] [trace.rep ...]
 */
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { heapflowAdapter, loadHeapflowCopy, type HeapflowModule } from './adapters.js';
import { heapFor, loadTrace, median, oneRun, prepare, timedWindow, type BenchTrace, type Prepared } from './replay.js';

const GUARD_CALL = /guardIfShared\((\w+\.create\(os\)|\w+), os\)/g;

async function unguardedCopy(): Promise<HeapflowModule> {
  let replaced = 0;
  const mod = await loadHeapflowCopy('guard-off', (file, text) => (basename(file) !== 'create.js' ? text
    : text.replace(GUARD_CALL, (_m, inner: string) => { replaced++; return inner; })));
  if (replaced !== 2) throw new Error(`expected the 2 guardIfShared calls of create.js, rewrote ${replaced}: the variant is out of date`);
  const heap = mod.createHeap({ backing: 'shared' }) as unknown as { policy: object };
  if (heap.policy.constructor.name === 'BusyGuard') throw new Error('the unguarded copy still wraps its policy');
  return mod;
}

/** Per-round ratios a/b of one trace: one warmed heap per cell, `rounds` interleaved samples. */
function ratios(a: Prepared, b: Prepared, tr: BenchTrace, rounds: number, minOps: number): { ratio: number; nsA: number; nsB: number } {
  const bytes = heapFor(tr, 4, 2 ** 31);
  const win = timedWindow(tr, false);
  const k = Math.max(1, Math.ceil(minOps / tr.nOps));
  const ia = a.ad.create(bytes);
  const ib = b.ad.create(bytes);
  for (const [p, inst] of [[a, ia], [b, ib]] as const) {
    const warm = oneRun(p, tr, bytes, true, 20, win, 1, inst);
    if (warm.fail) throw new Error(`${p.ad.name} on ${tr.name}: ${warm.fail}`);
    oneRun(p, tr, bytes, false, 20, win, k, inst);
  }
  const rs: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const ns = [0, 0];
    for (const i of order) ns[i] = (i === 0 ? oneRun(a, tr, bytes, false, 20, win, k, ia) : oneRun(b, tr, bytes, false, 20, win, k, ib)).nsPerOp;
    rs.push((ns[0] as number) / (ns[1] as number));
    as.push(ns[0] as number);
    bs.push(ns[1] as number);
  }
  return { ratio: median(rs), nsA: median(as), nsB: median(bs) };
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string' }, 'min-ops': { type: 'string' } },
  allowPositionals: true,
});
const rounds = Number(values.rounds ?? 9);
const minOps = Number(values['min-ops'] ?? 200_000);
const dir = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
const paths = positionals.length ? positionals
  : ['amptjp-bal', 'binary2-bal', 'cccp-bal', 'coalescing-bal', 'random-bal', 'realloc-bal'].map((n) => join(dir, `${n}.rep`));

const on = await loadHeapflowCopy('guard-on');
const off = await unguardedCopy();
const columns = {
  shared: [prepare(heapflowAdapter(on, 'shared', { name: 'shared, guarded' })), prepare(heapflowAdapter(off, 'shared', { name: 'shared, unguarded' }))],
  arraybuffer: [prepare(heapflowAdapter(on, 'arraybuffer', { name: 'arraybuffer' })), prepare(heapflowAdapter(off, 'arraybuffer', { name: 'arraybuffer (copy)' }))],
} as const;

console.log(`# The busy word's cost on the 'shared' backing (${rounds} interleaved rounds, >= ${minOps} ops per sample)\n`);
console.log('| trace | shared guarded ns/op | shared unguarded ns/op | guarded / unguarded | arraybuffer / its copy (noise floor) |');
console.log('|---|---:|---:|---:|---:|');
const shared: number[] = [];
const floor: number[] = [];
for (const path of paths) {
  const tr = await loadTrace(path, 'malloclab');
  tr.name = basename(path).replace(/\.rep$/, '');
  const s = ratios(columns.shared[0], columns.shared[1], tr, rounds, minOps);
  const f = ratios(columns.arraybuffer[0], columns.arraybuffer[1], tr, rounds, minOps);
  shared.push(s.ratio);
  floor.push(f.ratio);
  console.log(`| ${tr.name} | ${s.nsA.toFixed(1)} | ${s.nsB.toFixed(1)} | ${s.ratio.toFixed(3)} | ${f.ratio.toFixed(3)} |`);
}
const g = geomean(shared);
console.log(`| **geometric mean** | | | **${g.toFixed(3)}** | ${geomean(floor).toFixed(3)} |`);
console.log(`\nTarget (issue #14): guarded / unguarded <= 1.10 on 'shared': ${g <= 1.10 ? 'met' : 'MISSED'} (${((g - 1) * 100).toFixed(1)} %).`);

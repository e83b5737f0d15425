/**
 * What the busy word costs (src/heap/busy-word.ts): on shared memory the facade takes the
 * header's busy word with one Atomics.exchange around every allocator call and frees it with
 * a plain store. Measured against the same build with the word compiled out: a private copy of
 * the compiled core in which busyWordOf always answers null (verified: its heaps have no word).
 * Both copies replay the same traces in interleaved rounds (one heap per cell, warmed up,
 * reused: bench/README.md's method); the figure is the median over rounds of the per-round
 * ratio with / without, and the geometric mean over the traces. Target: <= 1.10 on 'shared'.
 *
 * Each backing runs in a process of its own: heaps of different backings in one process make
 * the allocator's call sites see several kinds of typed array, which slows both copies by
 * different amounts and is not what a program with one heap pays. The 'arraybuffer' run
 * compares two copies of the same code (neither has a word): its ratio is the noise floor.
 *
 *   npm run bench:guard [-- --rounds N] [--min-ops N] [trace.rep ...]
 */
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { heapflowAdapter, loadHeapflowCopy, type HeapflowModule } from './adapters.js';
import { heapFor, loadTrace, median, oneRun, prepare, timedWindow, type BenchTrace, type Prepared } from './replay.js';
import { geomean } from './report-format.js';

const BUSY_WORD_OF = /(export function busyWordOf\(os\) \{)/;

async function unguardedCopy(): Promise<HeapflowModule> {
  let replaced = 0;
  const mod = await loadHeapflowCopy('guard-off', (file, text) => (basename(file) !== 'busy-word.js' ? text
    : text.replace(BUSY_WORD_OF, (m) => { replaced++; return `${m} return null;`; })));
  if (replaced !== 1) throw new Error(`expected busyWordOf in heap/busy-word.js, rewrote ${replaced}: the variant is out of date`);
  const heap = mod.createHeap({ backing: 'shared' }) as unknown as { busy: unknown };
  if (heap.busy !== null) throw new Error('the unguarded copy still has a busy word');
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

interface Result { trace: string; ratio: number; nsA: number; nsB: number }

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string' }, 'min-ops': { type: 'string' }, backing: { type: 'string' } },
  allowPositionals: true,
});
const rounds = Number(values.rounds ?? 9);
const minOps = Number(values['min-ops'] ?? 200_000);
const dir = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
const paths = positionals.length ? positionals
  : ['amptjp-bal', 'binary2-bal', 'cccp-bal', 'coalescing-bal', 'random-bal', 'realloc-bal'].map((n) => join(dir, `${n}.rep`));

if (values.backing === undefined) {
  // the parent: one child process per backing, then the table
  console.log(`# The busy word's cost on the 'shared' backing (${rounds} interleaved rounds, >= ${minOps} ops per sample)\n`);
  const run = (backing: string): Result[] => JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url),
    '--backing', backing, '--rounds', String(rounds), '--min-ops', String(minOps), ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Result[];
  const shared = run('shared');
  const floor = run('arraybuffer');
  console.log('| trace | shared, with the word ns/op | shared, without ns/op | with / without | arraybuffer: copy / copy (noise floor) |');
  console.log('|---|---:|---:|---:|---:|');
  shared.forEach((s, i) => console.log(`| ${s.trace} | ${s.nsA.toFixed(1)} | ${s.nsB.toFixed(1)} | ${s.ratio.toFixed(3)} | ${(floor[i] as Result).ratio.toFixed(3)} |`));
  const g = geomean(shared.map((s) => s.ratio));
  console.log(`| **geometric mean** | | | **${g.toFixed(3)}** | ${geomean(floor.map((f) => f.ratio)).toFixed(3)} |`);
  console.log(`\nTarget (issue #14): with / without <= 1.10 on 'shared': ${g <= 1.10 ? 'met' : 'MISSED'} (${((g - 1) * 100).toFixed(1)} %).`);
} else {
  const on = await loadHeapflowCopy('guard-on');
  const off = await unguardedCopy();
  const a = prepare(heapflowAdapter(on, values.backing as 'shared', { name: 'with the word' }));
  const b = prepare(heapflowAdapter(off, values.backing as 'shared', { name: 'without' }));
  const results: Result[] = [];
  for (const path of paths) {
    const tr = await loadTrace(path, 'malloclab');
    tr.name = basename(path).replace(/\.rep$/, '');
    results.push({ trace: tr.name, ...ratios(a, b, tr, rounds, minOps) });
  }
  console.log(JSON.stringify(results));
}

/**
 * `npm run bench:checks -- --base REV` — what a change to the allocators costs, measured against
 * the same code at an earlier revision in the same process: the integrity checks of issue #14
 * (target: at most 5 % on the median trace) are measured as `--base` = the last commit before them.
 * The base revision is checked out into $TMPDIR/heapflow-base-REV (a detached git worktree,
 * outside the repository so that no build of ours compiles it; built with tsc once); both builds replay the same traces, rounds alternated, and the per-round ratio
 * (this build / base) is reported per trace and policy, with its median. Each policy runs in a
 * process of its own (a Heap that has seen several policies calls them through a polymorphic
 * site, which is not what a program with one kind of heap runs), and the two builds take turns
 * at going first.
 *
 *   npm run bench:checks -- --base 3ae3208
 *   npm run bench:checks -- --base 3ae3208 --allocator tlsf,pages --traces lifo,real/bash --rounds 15
 *
 * A script, not a test: it needs git, the repository's history and a quiet machine.
 */
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, DEFAULT_TRACE_DIR, ensureTraces } from './gen-traces.js';
import { type BenchTrace, heapFor, loadNamedTrace, median, MiB } from './replay.js';
import { fmtX, table } from './report-format.js';

const REPO = resolve(BENCH_DIR, '..');
const DEFAULT_TRACES = ['rand-small', 'lifo', 'fragment', 'real/bash', 'real/find'];

interface Core { createHeap(o: Record<string, unknown>): { malloc(n: number): number; free(p: number): void; realloc(p: number, n: number): number; u8: Uint8Array } }

/** The core at `rev`, built once into $TMPDIR/heapflow-base-REV/dist. */
async function baseCore(rev: string): Promise<Core> {
  const dir = join(os.tmpdir(), `heapflow-base-${rev}`);
  if (!existsSync(join(dir, 'dist', 'index.js'))) {
    console.error(`[checks] building ${rev} in ${dir}`);
    if (!existsSync(dir)) execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', '-f', dir, rev], { stdio: ['ignore', 2, 2] });
    if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: ['ignore', 2, 2] });
  }
  return (await import(pathToFileURL(join(dir, 'dist', 'index.js')).href)) as Core;
}

/** A replay loop of its own per build (from source text), so that each keeps its own JIT feedback. */
function makeRun(): (core: Core, allocator: string, tr: BenchTrace, heapBytes: number) => number {
  return new Function('return ' + String((core: Core, allocator: string, tr: BenchTrace, heapBytes: number): number => {
    const heap = core.createHeap({ allocator, initialSize: heapBytes, maxSize: heapBytes });
    const mem = heap.u8;
    const ptr = new Float64Array(tr.nIds);
    const { kind, ids, sizes } = tr;
    const t0 = performance.now();
    for (let i = 0; i < tr.nOps; i++) {
      const id = ids[i];
      if (kind[i] === 1) { heap.free(ptr[id]); ptr[id] = 0; continue; }
      const p = kind[i] === 0 || ptr[id] === 0 ? heap.malloc(sizes[i]) : heap.realloc(ptr[id], sizes[i]);
      if (p === 0) return NaN;
      mem[p] = 1;
      ptr[id] = p;
    }
    return ((performance.now() - t0) * 1e6) / tr.nOps;
  }))() as never;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: {
    base: { type: 'string' }, allocator: { type: 'string' }, traces: { type: 'string' }, rounds: { type: 'string' },
    child: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } });
  if (v.help || !v.base) {
    console.log('npm run bench:checks -- --base REV [--allocator segfit,tlsf] [--traces a,b] [--rounds 11]');
    if (!v.base && !v.help) process.exitCode = 2;
    return;
  }
  ensureTraces(DEFAULT_TRACE_DIR, (s) => console.error(`generated ${s}`));
  const policies = (v.allocator ?? 'segfit,tlsf,pages,buddy,best-fit').split(',');
  const rounds = Math.max(3, Number(v.rounds ?? 11));
  const traces = (v.traces ?? DEFAULT_TRACES.join(',')).split(',');
  if (v.child) {
    console.log(JSON.stringify(await measure(v.base, policies[0] as string, traces, rounds)));
    return;
  }
  await baseCore(v.base); // built once, before the children import it
  const results: Measured[] = [];
  for (const p of policies) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--base', v.base, '--allocator', p,
      '--traces', traces.join(','), '--rounds', String(rounds)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(...(JSON.parse(out) as Measured[]));
  }
  const rows = results.map((m) => [m.trace, m.policy, fmtX(m.ratio), `${fmtX(m.min)} – ${fmtX(m.max)}`]);
  const summary = policies.map((p) => [p, fmtX(median(results.filter((m) => m.policy === p).map((m) => m.ratio)))]);
  console.log(`# This build against ${v.base}, one process per policy, ${rounds} rounds (the builds take turns going first)\n\n` +
    `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}. ` +
    `Ratio > 1: this build is slower.\n\n` + table(['trace', 'policy', 'median ratio', 'range'], rows) + '\n\n' +
    table(['policy', 'median over traces'], summary) + '\n');
}

interface Measured { trace: string; policy: string; ratio: number; min: number; max: number }

/** This build / base on each trace for one policy, in this process. */
async function measure(rev: string, policy: string, traces: string[], rounds: number): Promise<Measured[]> {
  const base = await baseCore(rev);
  const here = (await import(pathToFileURL(join(REPO, '.build', 'src', 'index.js')).href)) as Core;
  const out: Measured[] = [];
  for (const name of traces) {
    const tr = await loadNamedTrace(name);
    const heapBytes = heapFor(tr, 16, 2 ** 31 - MiB);
    const runBase = makeRun(), runHere = makeRun();
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let b: number, h: number;
      if (r % 2 === 0) { b = runBase(base, policy, tr, heapBytes); h = runHere(here, policy, tr, heapBytes); }
      else { h = runHere(here, policy, tr, heapBytes); b = runBase(base, policy, tr, heapBytes); }
      ratios.push(h / b);
    }
    const m = median(ratios);
    console.error(`[checks] ${tr.name} on ${policy}: this build / ${rev} = ${fmtX(m)}`);
    out.push({ trace: tr.name, policy, ratio: m, min: Math.min(...ratios), max: Math.max(...ratios) });
  }
  return out;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

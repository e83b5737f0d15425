/**
 * `npm run bench:checks -- --base REV` — what a change to the allocators costs, measured against
 * the same code at an earlier revision in the same process: the integrity checks of issue #14
 * (target: at most 5 % on the median trace) are measured as `--base` = the last commit before them.
 * The base revision is checked out into $TMPDIR/heapflow-base-REV (a detached git worktree,
 * outside the repository so that no build of ours compiles it; built with tsc once); both builds replay the same traces, rounds alternated, and the per-round ratio
 * (this build / base) is reported per trace and policy, with its median.
 *
 *   npm run bench:checks -- --base 3ae3208
 *   npm run bench:checks -- --base 3ae3208 --allocator tlsf,pages --traces lifo,real/bash --rounds 15
 *
 * A script, not a test: it needs git, the repository's history and a quiet machine.
 */
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
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
    help: { type: 'boolean', short: 'h' },
  } });
  if (v.help || !v.base) {
    console.log('npm run bench:checks -- --base REV [--allocator segfit,tlsf] [--traces a,b] [--rounds 11]');
    if (!v.base && !v.help) process.exitCode = 2;
    return;
  }
  ensureTraces(DEFAULT_TRACE_DIR, (s) => console.error(`generated ${s}`));
  const base = await baseCore(v.base);
  const here = (await import(pathToFileURL(join(REPO, '.build', 'src', 'index.js')).href)) as Core;
  const policies = (v.allocator ?? 'segfit,tlsf,pages,buddy,best-fit').split(',');
  const rounds = Math.max(3, Number(v.rounds ?? 11));
  const rows: string[][] = [];
  const perPolicy = new Map<string, number[]>();
  for (const name of (v.traces ?? DEFAULT_TRACES.join(',')).split(',')) {
    const tr = await loadNamedTrace(name);
    const heapBytes = heapFor(tr, 16, 2 ** 31 - MiB);
    for (const p of policies) {
      const runBase = makeRun(), runHere = makeRun();
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const b = runBase(base, p, tr, heapBytes);
        const h = runHere(here, p, tr, heapBytes);
        ratios.push(h / b);
      }
      const m = median(ratios);
      perPolicy.set(p, [...(perPolicy.get(p) ?? []), m]);
      console.error(`[checks] ${tr.name} on ${p}: this build / ${v.base} = ${fmtX(m)}`);
      rows.push([tr.name, p, fmtX(m), `${fmtX(Math.min(...ratios))} – ${fmtX(Math.max(...ratios))}`]);
    }
  }
  const summary = [...perPolicy].map(([p, xs]) => [p, fmtX(median(xs))]);
  console.log(`# This build against ${v.base}, same process, ${rounds} alternated rounds\n\n` +
    `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}. ` +
    `Ratio > 1: this build is slower.\n\n` + table(['trace', 'policy', 'median ratio', 'range'], rows) + '\n\n' +
    table(['policy', 'median over traces'], summary) + '\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

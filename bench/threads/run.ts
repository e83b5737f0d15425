/**
 * npm run bench:threads — throughput of the thread-shared heap (per-thread
 * arenas) against one global lock around the single-threaded heap, the core heap
 * alone in one thread, and native glibc malloc with pthreads (native.c, built
 * with gcc here), on a larson-style and an xmalloc-style workload with 1, 2
 * and 4 threads (worker.ts says what each does). Medians of --reps runs.
 *
 *   npm run bench:threads                      full run (3 reps x 2 s), writes bench/threads/RESULTS.md
 *   npm run bench:threads -- --quick           1 rep x 1 s, no RESULTS.md
 *   npm run bench:threads -- --stress 60       the stress test (test/support/threads-worker.js) for 60 s, 4 workers
 *   npm run bench:threads -- --bound           xmalloc bounds: what 2 threads could reach if a cross-thread
 *                                              free touched the block not at all / read it once / CAS'd it
 *   options: --reps N  --seconds S  --threads 1,2,4  --no-native  --no-write
 *            --workloads larson,xmalloc  --designs threads,lock  (a subset: no RESULTS.md)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSharedHeap } from '../../src/index.js';
import { createLockedHeapMemory } from './global-lock.js';
import { BOUND_MODES, CONTROL_WORDS, type BenchWorkerData, type BoundMode, type Design, type Workload } from './worker.js';
import { runStress } from './stress.js';
import { nativeAllocs, type NativeAlloc } from '../native.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // .build/bench/threads
const ROOT = join(HERE, '..', '..', '..');
const SRC_DIR = join(ROOT, 'bench', 'threads');
const WORKER = new URL('./worker.js', import.meta.url);

interface Options { reps: number; seconds: number; threads: number[]; native: boolean; write: boolean; stress: number; bound: boolean; workloads: Workload[]; designs: Design[] }

function parseArgs(argv: string[]): Options {
  const o: Options = { reps: 3, seconds: 2, threads: [1, 2, 4], native: true, write: true, stress: 0, bound: false, workloads: ['larson', 'xmalloc'], designs: ['threads', 'lock'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--quick') { o.reps = 1; o.seconds = 1; o.write = false; }
    else if (a === '--reps') o.reps = Number(next());
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--threads') o.threads = next().split(',').map(Number);
    else if (a === '--no-native') o.native = false;
    else if (a === '--no-write') o.write = false;
    else if (a === '--stress') o.stress = Number(next());
    else if (a === '--bound') o.bound = true;
    else if (a === '--workloads') o.workloads = next().split(',') as Workload[];
    else if (a === '--designs') o.designs = next().split(',') as Design[];
    else if (a === '--help') { console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]); process.exit(0); }
    else throw new Error(`unknown option ${a} (--help)`);
  }
  for (const w of o.workloads) if (w !== 'larson' && w !== 'xmalloc') throw new Error(`unknown workload ${w}`);
  for (const d of o.designs) if (d !== 'threads' && d !== 'lock') throw new Error(`unknown design ${d}`);
  // RESULTS.md only from a full run
  if (o.reps < 3 || o.threads.join() !== '1,2,4' || o.workloads.length < 2 || o.designs.length < 2) o.write = false;
  return o;
}

/** Total ops/s, and ops per CPU-second of the threads (NaN where thread CPU time is not available). */
const perCpu = new Map<string, number[]>();

async function runJs(design: Design, workload: Workload, threads: number, seconds: number, bound?: BoundMode): Promise<number> {
  let memory: SharedArrayBuffer | null = null;
  if (design === 'threads') memory = createSharedHeap({ maxSize: 1 << 30, maxArenas: 16 }).memory as SharedArrayBuffer;
  else if (design === 'lock') memory = createLockedHeapMemory(1 << 30);
  const control = new SharedArrayBuffer(CONTROL_WORDS(threads) * 4);
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  const done: Promise<{ ops: number; ms: number; cpu: number }>[] = [];
  for (let i = 0; i < threads; i++) {
    const data: BenchWorkerData & { kind: string } = {
      kind: 'threads-bench', design, workload, memory, control, index: i, workers: threads, warmMs: 300, runMs: seconds * 1000, seed: 17 + i, bound,
    };
    const w = new Worker(WORKER, { workerData: data });
    workers.push(w);
    let onReady!: () => void;
    ready.push(new Promise((r) => { onReady = r; }));
    done.push(new Promise((resolve, reject) => {
      w.on('message', (m: { type: string; ops: number; ms: number; cpu: number }) => { if (m.type === 'ready') onReady(); else resolve(m); });
      w.on('error', reject);
    }));
  }
  await Promise.all(ready);
  const ctl = new Int32Array(control);
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
  const results = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));
  const key = `${design}|${workload}|${threads}`;
  const cpu = results.reduce((s, r) => s + r.cpu, 0);
  const list = perCpu.get(key) ?? [];
  list.push(results.reduce((s, r) => s + r.ops, 0) / cpu);
  perCpu.set(key, list);
  return results.reduce((s, r) => s + r.ops / (r.ms / 1000), 0);
}

function buildNative(): { bin: string | null; msg: string } {
  const src = join(SRC_DIR, 'native.c');
  const outDir = join(ROOT, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const bin = join(outDir, 'threads-native');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return { bin, msg: 'up to date' };
  const cc = process.env.CC || 'gcc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-pthread', '-o', bin, src], { encoding: 'utf8' });
  if (r.error) return { bin: null, msg: `${cc} not found: native column skipped` };
  if (r.status !== 0) return { bin: null, msg: `${cc} failed: ${(r.stderr || '').slice(0, 300)}` };
  return { bin, msg: `built with ${cc} -O2 -pthread` };
}

/** The C workload under glibc, or under jemalloc / mimalloc through LD_PRELOAD. */
function runNative(bin: string, alloc: NativeAlloc, workload: Workload, threads: number, seconds: number): number {
  const env = alloc.so ? { ...process.env, LD_PRELOAD: alloc.so } : process.env;
  const r = spawnSync(bin, [workload, String(threads), String(seconds), '0.3'], { encoding: 'utf8', env, timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`native ${alloc.name} ${workload} ${threads}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { opsPerSec: number }).opsPerSec;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '–');

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.stress > 0) {
    const ok = await runStress(o.stress, 4);
    process.exit(ok ? 0 : 1);
  }
  if (o.bound) return runBounds(o);
  const native = o.native ? buildNative() : { bin: null, msg: 'skipped (--no-native)' };
  console.log(`native: ${native.msg}`);
  // glibc is the table's native column; jemalloc and mimalloc (if installed) show what other
  // native designs get from this machine's cores on the same workloads
  const allocs = native.bin ? nativeAllocs(null, (m) => console.log(m)) : [];
  const nativeKey = (a: NativeAlloc): string => (a.name === 'glibc' ? 'native' : a.name); // glibc keeps its old sample key
  const workloads = o.workloads;
  const designs = o.designs;
  const res = new Map<string, number[]>();
  const add = (key: string, v: number): void => { const a = res.get(key) ?? []; a.push(v); res.set(key, a); };
  for (let rep = 0; rep < o.reps; rep++) {
    for (const wl of workloads) {
      if (designs.includes('lock')) add(`single|${wl}|1`, await runJs('single', wl, 1, o.seconds));
      for (const t of o.threads) {
        for (const d of designs) add(`${d}|${wl}|${t}`, await runJs(d, wl, t, o.seconds));
        for (const a of allocs) add(`${nativeKey(a)}|${wl}|${t}`, runNative(native.bin as string, a, wl, t, o.seconds));
      }
      const last = (k: string): string => fmt(res.get(k)?.at(-1) ?? 0);
      console.log(`rep ${rep + 1}/${o.reps} ${wl}: ` + o.threads.map((t) => `${t}T ` + designs.map((d) => `${d} ${last(`${d}|${wl}|${t}`)}`).join(' ')).join(', '));
    }
  }
  const med = (k: string): number => median(res.get(k) ?? [0]);
  const lines: string[] = [];
  const cpu = cpus();
  lines.push('# heapflow: thread-shared heap throughput', '');
  lines.push(`Machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}. ` +
    `${o.reps} runs of ${o.seconds} s (+0.3 s warm-up) per cell, medians; total operations (malloc + free) per second over all threads.`, '');
  lines.push('Command: `npm run bench:threads` (bench/threads/run.ts; workloads in bench/threads/worker.ts).', '');
  for (const wl of workloads) {
    lines.push(`## ${wl}`, '');
    lines.push('| threads | heapflow shared heap (arenas) | global lock + core heap | core heap, no lock (1 thread) | native glibc + pthreads | arenas ÷ 1 thread | arenas ÷ global lock |');
    lines.push('|---|---|---|---|---|---|---|');
    const one = med(`threads|${wl}|1`);
    for (const t of o.threads) {
      const a = med(`threads|${wl}|${t}`);
      const l = med(`lock|${wl}|${t}`);
      lines.push(`| ${t} | ${fmt(a)} | ${fmt(l)} | ${t === 1 ? fmt(med(`single|${wl}|1`)) : ''} | ${native.bin ? fmt(med(`native|${wl}|${t}`)) : '–'} | ${ratio(a, one)} | ${ratio(a, l)} |`);
    }
    lines.push('');
  }
  const others = allocs.filter((a) => a.name !== 'glibc');
  if (others.length > 0 && o.threads.includes(1)) {
    lines.push('## Native allocators on this machine', '',
      'The same C workloads under glibc and, through LD_PRELOAD, the other installed native allocators: what the',
      'best native designs get from these cores (total ops/s; in brackets, ÷ their own 1-thread figure).', '');
    lines.push(`| workload | threads | ${allocs.map((a) => a.name).join(' | ')} | heapflow arenas |`);
    lines.push(`|---|---|${allocs.map(() => '---').join('|')}|---|`);
    for (const wl of workloads) {
      for (const t of o.threads) {
        const cell = (k: string): string => `${fmt(med(`${k}|${wl}|${t}`))} (${ratio(med(`${k}|${wl}|${t}`), med(`${k}|${wl}|1`))})`;
        lines.push(`| ${wl} | ${t} | ${allocs.map((a) => cell(nativeKey(a))).join(' | ')} | ${cell('threads')} |`);
      }
    }
    lines.push('');
  }
  lines.push('## Operations per CPU-second of the threads', '',
    'Total operations ÷ CPU time the threads actually got (Linux thread CPU clocks). When the threads have fewer',
    'free cores than threads — always with 4 threads here, and whenever another process takes a core — this shows',
    'the cost per operation including contention, independent of how much CPU the machine could give.', '');
  lines.push('| workload | threads | heapflow arenas | global lock | arenas ÷ global lock | arenas vs its 1-thread rate |');
  lines.push('|---|---|---|---|---|---|');
  for (const wl of workloads) {
    const one = median(perCpu.get(`threads|${wl}|1`) ?? [NaN]);
    for (const t of o.threads) {
      const a = median(perCpu.get(`threads|${wl}|${t}`) ?? [NaN]);
      const l = median(perCpu.get(`lock|${wl}|${t}`) ?? [NaN]);
      lines.push(`| ${wl} | ${t} | ${fmt(a)} | ${fmt(l)} | ${ratio(a, l)} | ${ratio(a, one)} |`);
    }
  }
  lines.push('');
  lines.push('## Targets (2 threads)', '');
  for (const wl of workloads) {
    const a2 = med(`threads|${wl}|2`);
    const a1 = med(`threads|${wl}|1`);
    const l2 = med(`lock|${wl}|2`);
    if (!o.threads.includes(2) || !o.threads.includes(1)) continue;
    lines.push(`- ${wl}: 2 threads ÷ 1 thread = ${ratio(a2, a1)} (target ≥ 1.6x: ${a2 >= 1.6 * a1 ? 'met' : 'NOT met'}); ` +
      `÷ global lock with 2 threads = ${ratio(a2, l2)} (target ≥ 2x: ${a2 >= 2 * l2 ? 'met' : 'NOT met'})`);
  }
  lines.push('', 'Raw samples (ops/s):', '', '```', ...[...res].map(([k, v]) => `${k.padEnd(18)} ${v.map((x) => Math.round(x)).join(' ')}`), '```', '');
  const md = lines.join('\n');
  console.log('\n' + md);
  mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'out', 'threads-last.md'), md);
  if (o.write) {
    const notes = join(SRC_DIR, 'NOTES.md');
    const extra = existsSync(notes) ? '\n' + readFileSync(notes, 'utf8') : '';
    writeFileSync(join(SRC_DIR, 'RESULTS.md'), md + extra);
    console.log('wrote bench/threads/RESULTS.md');
  }
}

/**
 * xmalloc with 2 threads where the consumer does not free: it hands the pointers back
 * and the producer frees them locally (worker.ts, BenchWorkerData.bound), against the
 * real design and 1 thread, interleaved per rep. Medians; written to bench/out/threads-bound.md.
 */
async function runBounds(o: Options): Promise<void> {
  const keys = ['1 thread', '2 threads: real cross-thread free', ...BOUND_MODES.map((m) => `2 threads, bound: ${m}`)];
  const res = new Map<string, number[]>(keys.map((k) => [k, []]));
  for (let rep = 0; rep < o.reps; rep++) {
    res.get(keys[0])!.push(await runJs('threads', 'xmalloc', 1, o.seconds));
    res.get(keys[1])!.push(await runJs('threads', 'xmalloc', 2, o.seconds));
    for (const m of BOUND_MODES) res.get(`2 threads, bound: ${m}`)!.push(await runJs('threads', 'xmalloc', 2, o.seconds, m));
    console.log(`rep ${rep + 1}/${o.reps}: ` + keys.map((k) => `${k} ${fmt(res.get(k)!.at(-1)!)}`).join(', '));
  }
  const one = median(res.get(keys[0])!);
  const cpu = cpus();
  const md = [
    '# xmalloc: how far 2 threads can go', '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, Node ${process.version}. ${o.reps} runs of ${o.seconds} s per row, interleaved; medians.`,
    'Command: `npm run bench:threads -- --bound` (bench/threads/run.ts, runBounds).', '',
    '| run | total ops/s | ÷ 1 thread |', '|---|---|---|',
    ...keys.map((k) => `| ${k} | ${fmt(median(res.get(k)!))} | ${ratio(median(res.get(k)!), one)} |`), '',
    'Raw samples (ops/s):', '', '```', ...keys.map((k) => `${k.padEnd(36)} ${res.get(k)!.map((x) => Math.round(x)).join(' ')}`), '```', '',
  ].join('\n');
  console.log('\n' + md);
  mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'out', 'threads-bound.md'), md);
}

main().catch((e) => { console.error(e); process.exit(1); });

/**
 * `npm run bench` — replays the malloc-lab traces (traces/malloclab) and the synthetic traces
 * (bench/gen-traces.ts, generated into bench/traces on first use) on heapflow with each backing,
 * `@thi.ng/malloc`, `malloc` (codemix), GC'd `new Uint8Array(n)` and native glibc (bench/native/replay.c),
 * touching the first and last byte of every block; prints ns/op, utilization, ratios, the scaling
 * series, the event-hook overhead, the debug-mode slowdown and a check of every target. A script, not a test.
 *
 *   npm run bench                      full run (~6-10 min on a 2-core box); writes bench/RESULTS.md
 *   npm run bench -- --quick           malloc-lab traces only, 3 rounds, no scaling; writes bench/out/last.md
 *   npm run bench -- --traces rand-small,malloclab --adapters heapflow,codemix --rounds 3
 *
 * See bench/README.md for the method and every option (or --help).
 */
import { parseArgs } from 'node:util';
import { readdirSync, writeFileSync, mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import {
  type Adapter, type Instance, codemixAdapter, heapflowAdapter, refAdapter, heapflowGrowAdapter, jsGcAdapter, loadHeapflowCopy, thingAdapter,
} from './adapters.js';
import { BENCH_DIR, DEFAULT_TRACE_DIR, ensureTraces, SCALING, SYNTHETIC, tracePath } from './gen-traces.js';
import { type BenchTrace, heapFor, loadTrace, median, MiB, oneRun, peakLivePrefix, prepare, type Prepared, timedWindow } from './replay.js';
import { buildNative, type NativeAlloc, nativeAllocs, runNative } from './native.js';
import { makeHookVariant } from './hook-variant.js';
import { textbookTlsfAdapter } from './textbook-tlsf.js';
import { renderReport, type CellResult, type TraceResult, type Report, type HookRow } from './report.js';
import { DEFAULT_ALLOCATOR, generalAllocatorNames } from '../src/index.js';

const REPO = resolve(BENCH_DIR, '..');

const HELP = `npm run bench -- [options]
  --quick               malloc-lab traces only, 3 rounds, no scaling series, short hook and debug sections
  --traces LIST         comma list of trace names or groups: synthetic, malloclab, real, scaling,
                        e.g. rand-small,lifo,malloclab/binary-bal (default: all)
  --adapters LIST       JS columns: heapflow (the default policy), heapflow:POLICY (one per other
                        general-purpose policy, e.g. heapflow:tlsf), heapflow/resizable, heapflow/shared,
                        heapflow/wasm, heapflow/grow, heapflow/resizable-grow, thi.ng, codemix, js-gc, ref (a trivial allocator: the stability reference),
                        textbook-tlsf (TLSF without checks, counters or growth: what the algorithm costs in JS) (default: all)
  --native LIST         native columns: glibc, jemalloc, mimalloc (default: glibc + the installed ones)
  --no-native           skip the C replay
  --no-hook             skip the event-hook section
  --no-debug            skip the debug-mode section (slowdown of createHeap({ debug }) on the malloc-lab traces)
  --rounds N            timed rounds per cell (default 5; --quick 3)
  --hook-rounds N       rounds of the event-hook section (default 15; --quick 5); its samples are >= 200000 ops
  --debug-samples N     samples per mode in the debug-mode section (default 5; --quick 3); samples are
                        >= --min-sample-ops ops; stacks on: at most 3 samples of a third of that
  --run-timeout-s S     cap per replay (default 8)
  --cell-budget-s S     validation + timed runs of one cell (default 10)
  --min-sample-ops N    short traces are replayed ceil(N / ops) times per sample (default 100000)
  --write               write bench/RESULTS.md (default only for a full run: no --quick/--traces/--adapters)
  --no-write            never write bench/RESULTS.md
  --out FILE            also write the markdown here (default: bench/out/last.md)
  --json FILE           raw results as JSON (default: bench/out/last.json)
  --regen               regenerate the synthetic traces
  --hook-only           only the event-hook section (the full run runs it this way, in a fresh process)
  --debug-only          only the debug-mode section (idem)`;

interface Opts {
  quick: boolean;
  traces: string[] | null;
  adapters: string[] | null;
  native: string[] | null;
  noNative: boolean;
  noHook: boolean;
  noDebug: boolean;
  rounds: number;
  hookRounds: number;
  debugSamples: number;
  runTimeoutS: number;
  cellBudgetS: number;
  minSampleOps: number;
  write: boolean;
  out: string;
  json: string;
  regen: boolean;
  hookOnly: boolean;
  debugOnly: boolean;
  heapMult: number;
  maxHeapMult: number;
  maxHeapBytes: number;
}

function options(): Opts {
  const { values: v } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      traces: { type: 'string' },
      adapters: { type: 'string' },
      native: { type: 'string' },
      'no-native': { type: 'boolean' },
      'no-hook': { type: 'boolean' },
      'no-debug': { type: 'boolean' },
      rounds: { type: 'string' },
      'hook-rounds': { type: 'string' },
      'debug-samples': { type: 'string' },
      'run-timeout-s': { type: 'string' },
      'cell-budget-s': { type: 'string' },
      'min-sample-ops': { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'string' },
      regen: { type: 'boolean' },
      'hook-only': { type: 'boolean' },
      'debug-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(HELP);
    process.exit(0);
  }
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
  const num = (s: string | undefined, d: number) => {
    if (s === undefined) return d;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`bad number '${s}'`);
    return n;
  };
  const quick = !!v.quick;
  const traces = list(v.traces);
  const adapters = list(v.adapters);
  const full = !quick && !traces && !adapters && !v.native && !v['no-native'] && !v['no-hook'] && !v['no-debug'];
  return {
    quick, traces, adapters,
    native: list(v.native),
    noNative: !!v['no-native'],
    noHook: !!v['no-hook'],
    noDebug: !!v['no-debug'],
    rounds: num(v.rounds, quick ? 3 : 5),
    hookRounds: num(v['hook-rounds'], quick ? 5 : 15),
    debugSamples: Math.max(1, num(v['debug-samples'], quick ? 3 : 5)),
    runTimeoutS: num(v['run-timeout-s'], 8),
    cellBudgetS: num(v['cell-budget-s'], quick ? 6 : 10),
    minSampleOps: num(v['min-sample-ops'], 100_000),
    write: v['no-write'] ? false : !!v.write || full,
    out: resolve(v.out ?? join(BENCH_DIR, 'out', 'last.md')),
    json: resolve(v.json ?? join(BENCH_DIR, 'out', 'last.json')),
    regen: !!v.regen,
    hookOnly: !!v['hook-only'],
    debugOnly: !!v['debug-only'],
    heapMult: 4,
    maxHeapMult: 64,
    maxHeapBytes: 2 ** 31 - 2 ** 20,
  };
}

const T0 = performance.now();
const log = (s: string) => console.error(`[bench +${((performance.now() - T0) / 1000).toFixed(0)}s] ${s}`);

/**
 * The real-program traces are stored gzipped; the native replay reads plain text, so every
 * column reads an unzipped copy kept beside the synthetic traces (made once).
 */
function plainCopy(path: string): string {
  if (!path.endsWith('.gz')) return path;
  const out = join(DEFAULT_TRACE_DIR, 'real', basename(path).slice(0, -3));
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, gunzipSync(readFileSync(path)));
  }
  return out;
}

/** Which trace files to run, by group. */
function selectTraces(o: Opts): Array<{ path: string; group: BenchTrace['group'] }> {
  const mlDir = join(REPO, 'traces', 'malloclab');
  const ml = existsSync(mlDir) ? readdirSync(mlDir).filter((f) => f.endsWith('.rep')).sort() : [];
  const realDir = join(REPO, 'traces', 'real');
  const real = existsSync(realDir) ? readdirSync(realDir).filter((f) => /\.rep(\.gz)?$/.test(f)).sort() : [];
  const all: Array<{ path: string; group: BenchTrace['group']; name: string }> = [
    ...SYNTHETIC.map((n) => ({ path: tracePath(DEFAULT_TRACE_DIR, n), group: 'synthetic' as const, name: n })),
    ...ml.map((f) => ({ path: join(mlDir, f), group: 'malloclab' as const, name: 'malloclab/' + f.replace(/\.rep$/, '') })),
    ...real.map((f) => ({ path: plainCopy(join(realDir, f)), group: 'real' as const, name: 'real/' + f.replace(/\.rep(\.gz)?$/, '') })),
    ...SCALING.map((n) => ({ path: tracePath(DEFAULT_TRACE_DIR, n), group: 'scaling' as const, name: n })),
  ];
  const want = o.traces ?? (o.quick ? ['malloclab'] : null);
  if (!want) return all;
  const picked = all.filter((t) =>
    want.some((w) => w === t.group || w === t.name || t.name === 'malloclab/' + w || t.name.endsWith('/' + w)),
  );
  const unknown = want.filter((w) => !all.some((t) => w === t.group || w === t.name || t.name.endsWith('/' + w)));
  if (unknown.length) throw new Error(`unknown trace(s) ${unknown.join(', ')}; have: ${all.map((t) => t.name).join(', ')}`);
  return picked;
}

/** One column per general-purpose policy besides the default ('heapflow' is the default policy). */
const POLICY_ADAPTERS = generalAllocatorNames().filter((n) => n !== DEFAULT_ALLOCATOR).map((n) => `heapflow:${n}`);
const ADAPTER_NAMES = [
  'heapflow', ...POLICY_ADAPTERS, 'heapflow/resizable', 'heapflow/shared', 'heapflow/wasm', 'heapflow/grow', 'heapflow/resizable-grow',
  'thi.ng', 'codemix', 'js-gc', 'ref', 'textbook-tlsf',
];

/** The JS columns; every heapflow column gets its own copy of the core (see loadHeapflowCopy). */
async function selectAdapters(o: Opts): Promise<Adapter[]> {
  const names = (o.adapters ?? ADAPTER_NAMES).map((n) => {
    const a = ADAPTER_NAMES.find((x) => x === n || x === 'heapflow/' + n);
    if (!a) throw new Error(`unknown adapter ${n}; have: ${ADAPTER_NAMES.join(', ')}`);
    return a;
  });
  const out: Adapter[] = [];
  for (const n of names) {
    if (n === 'thi.ng') out.push(thingAdapter);
    else if (n === 'codemix') out.push(codemixAdapter);
    else if (n === 'js-gc') out.push(jsGcAdapter);
    else if (n === 'ref') out.push(refAdapter);
    else if (n === 'textbook-tlsf') out.push(textbookTlsfAdapter);
    else if (n === 'heapflow/grow') out.push(heapflowGrowAdapter(await loadHeapflowCopy('grow')));
    else if (n === 'heapflow/resizable-grow') out.push(heapflowGrowAdapter(await loadHeapflowCopy('resizable-grow'), 'resizable'));
    else if (n.startsWith('heapflow:')) {
      const allocator = n.slice('heapflow:'.length);
      out.push(heapflowAdapter(await loadHeapflowCopy(`policy-${allocator}`), 'arraybuffer', { allocator }));
    }
    else {
      const b = n === 'heapflow' ? 'arraybuffer' : n.slice('heapflow/'.length);
      out.push(heapflowAdapter(await loadHeapflowCopy(b), b));
    }
  }
  return out;
}

interface Column {
  name: string;
  kind: CellResult['kind'];
  pa?: Prepared;
  nat?: NativeAlloc;
}

/** Validation pass + interleaved timed rounds of every column on one trace. */
function runTrace(tr: BenchTrace, cols: Column[], o: Opts, rounds: number, nativeBin: string | null): TraceResult {
  const steady = tr.group === 'scaling';
  const win = timedWindow(tr, steady);
  const nTimed = win[1] - win[0];
  const k = Math.max(1, Math.ceil(o.minSampleOps / nTimed));
  log(`${tr.name}: ${tr.nOps} ops, peak ${tr.peakLiveBlocks} blocks / ${(tr.peakLiveBytes / 1024).toFixed(0)} KiB` +
    (steady ? `, steady window ${nTimed} ops` : '') + (k > 1 ? `, ${k} replays per sample` : ''));
  const cells = new Map<string, CellResult & { heapBytes: number; reps: number; inst?: Instance }>();
  // 1. validation pass (= JIT warm-up), growing the heap on failure
  for (const c of cols) {
    if (!c.pa) {
      cells.set(c.name, { column: c.name, kind: c.kind, samples: [], nsPerOp: NaN, util: null, heapMult: null, status: 'ok', heapBytes: 0, reps: rounds, partial: false, validationOnly: false, fail: null });
      continue;
    }
    let heapBytes = heapFor(tr, o.heapMult, o.maxHeapBytes);
    const maxBytes = Math.min(o.maxHeapBytes, heapBytes * (o.maxHeapMult / o.heapMult));
    const attempts: string[] = [];
    const tStart = performance.now();
    let v = oneRun(c.pa, tr, heapBytes, true, o.runTimeoutS, win, k);
    let lastS = (performance.now() - tStart) / 1000;
    while (v.fail && v.fail !== 'corrupt' && v.fail !== 'realloc lost data' && heapBytes * 2 <= maxBytes) {
      attempts.push(`${(heapBytes / MiB).toFixed(0)} MiB: ${v.fail} @op ${v.failOp}`);
      heapBytes *= 2;
      const t = performance.now();
      v = oneRun(c.pa, tr, heapBytes, true, o.runTimeoutS, win, k);
      lastS = (performance.now() - t) / 1000;
    }
    const mult = heapBytes / Math.max(1, tr.peakLiveBytes);
    const warmS = (performance.now() - tStart) / 1000;
    let reps = 0;
    let inst: Instance | undefined;
    if (!v.fail && !v.timeout) {
      // as many timed rounds as fit in the cell budget, after one untimed warm-up run on the heap
      // the timed rounds will reuse (see README: one heap per cell)
      const warmups = lastS < 0.3 ? 2 : 1;
      reps = Math.max(0, Math.min(rounds, Math.floor((o.cellBudgetS - warmS) / Math.max(lastS, 1e-3)) - warmups));
      if (reps > 0) {
        inst = c.pa.ad.create(heapBytes);
        for (let w = 0; w < warmups && inst; w++) {
          const r = oneRun(c.pa, tr, heapBytes, false, o.runTimeoutS, win, k, inst);
          if (r.fail || r.timeout) { reps = 0; inst = undefined; }
        }
      }
    }
    let status = 'ok';
    if (v.fail) status = `FAIL ${v.fail} @op ${v.failOp}/${tr.nOps} (heap ${(heapBytes / MiB).toFixed(0)} MiB = ${mult.toFixed(1)}x peak live)`;
    else if (v.timeout) status = `validation pass hit the ${o.runTimeoutS}s cap at op ${v.opsDone}/${tr.nOps}: ns/op and utilization over the ops done`;
    if (attempts.length && !v.fail) status += `; needed a ${(heapBytes / MiB).toFixed(0)} MiB heap (${attempts.join('; ')})`;
    const util = v.peakExtent > 0 ? (v.fullReps > 0 ? tr.peakLiveBytes : peakLivePrefix(tr, v.opsDone)) / v.peakExtent : null;
    cells.set(c.name, {
      column: c.name, kind: c.kind, samples: [], nsPerOp: NaN, util, heapMult: mult, status, heapBytes, reps, inst,
      partial: v.timeout, validationOnly: false, fail: v.fail, validationNsPerOp: v.nsPerOp,
    });
  }
  // 2. timed rounds, interleaved (round r runs every column once; start column rotates)
  const perRound: Array<Map<string, number>> = [];
  for (let r = 0; r < rounds; r++) {
    const m = new Map<string, number>();
    for (let j = 0; j < cols.length; j++) {
      const c = cols[(j + r) % cols.length];
      const cell = cells.get(c.name)!;
      if (c.nat) {
        if (!nativeBin) continue;
        const s = runNative(nativeBin, c.nat, tr.path, steady, o.minSampleOps, 30);
        if (s.fail) { cell.fail = s.fail; cell.status = 'FAIL ' + s.fail; continue; }
        if (c.nat.so && s.lib === 'libc') cell.status = 'LD_PRELOAD did not take effect';
        if (s.timeout) cell.partial = true;
        cell.samples.push(s.nsPerOp);
        m.set(c.name, s.nsPerOp);
        continue;
      }
      if (r >= cell.reps || cell.fail) continue;
      const res = oneRun(c.pa!, tr, cell.heapBytes, false, o.runTimeoutS, win, k, cell.inst);
      if (res.fail) { cell.status += `; timed run failed: ${res.fail} @op ${res.failOp}`; continue; }
      if (res.timeout) { cell.partial = true; cell.status = `timed run(s) hit the ${o.runTimeoutS}s cap: ns/op over the ops done`; }
      cell.samples.push(res.nsPerOp);
      m.set(c.name, res.nsPerOp);
    }
    perRound.push(m);
  }
  for (const cell of cells.values()) {
    cell.inst?.dispose?.();
    cell.inst = undefined;
    if (cell.samples.length) cell.nsPerOp = median(cell.samples);
    else if (!cell.fail && cell.validationNsPerOp !== undefined) {
      cell.nsPerOp = cell.validationNsPerOp;
      if (!cell.partial) {
        cell.validationOnly = true;
        cell.status = `no timed run fits the ${o.cellBudgetS}s cell budget: ns/op from the validation pass`;
      }
    }
  }
  const res: TraceResult = {
    name: tr.name, group: tr.group, nOps: tr.nOps, timedOps: nTimed, repsPerSample: k,
    peakLiveBlocks: tr.peakLiveBlocks, peakLiveBytes: tr.peakLiveBytes,
    cells: [...cells.values()].map(({ heapBytes: _h, reps: _r, inst: _i, ...c }) => c),
    rounds: perRound.map((m) => Object.fromEntries(m)),
  };
  const brief = res.cells.map((c) => `${c.column} ${Number.isFinite(c.nsPerOp) ? c.nsPerOp.toFixed(1) : '-'}`).join(', ');
  log(`  ns/op: ${brief}`);
  return res;
}

/** Event-hook section: the default heap against the same heap with a no-op listener, attach+detach, and
 *  (when the compiled core allows it) a variant with the emission sites compiled out. */
function runHook(traces: BenchTrace[], hookCols: Column[], o: Opts): HookRow[] {
  const rows: HookRow[] = [];
  for (const tr of traces) {
    const r = runTrace(tr, hookCols, { ...o, cellBudgetS: 1e9, minSampleOps: Math.max(o.minSampleOps, 200_000) }, o.hookRounds, null);
    const ratio = (name: string) => {
      const xs = r.rounds.map((m) => (m[name] && m['heapflow'] ? m[name] / m['heapflow'] : NaN));
      return median(xs);
    };
    rows.push({
      trace: tr.name,
      ns: Object.fromEntries(r.cells.map((c) => [c.column, c.nsPerOp])),
      ratio: Object.fromEntries(hookCols.filter((c) => c.name !== 'heapflow').map((c) => [c.name, ratio(c.name)])),
    });
  }
  return rows;
}

async function hookSection(hookTraces: BenchTrace[], o: Opts): Promise<NonNullable<Report['hook']>> {
  const variant = await makeHookVariant(REPO, log);
  const hookAds: Adapter[] = [
    heapflowAdapter(await loadHeapflowCopy('hook-default'), 'arraybuffer'),
    heapflowAdapter(await loadHeapflowCopy('hook-noop'), 'arraybuffer', { name: 'noop listener', listener: 'noop' }),
    heapflowAdapter(await loadHeapflowCopy('hook-detach'), 'arraybuffer', { name: 'attach+detach', listener: 'attach-detach' }),
  ];
  if (variant.mod) hookAds.push(heapflowAdapter(variant.mod, 'arraybuffer', { name: 'hook compiled out', notes: variant.msg }));
  if (process.env.BENCH_HOOK_REVERSE) hookAds.reverse(); // to check for order effects
  const hookCols = hookAds.map((ad) => ({ name: ad.name, kind: 'heapflow' as const, pa: prepare(ad) }));
  log(`event hook: ${hookTraces.length} traces x ${hookCols.length} variants, ${o.hookRounds} rounds; ${variant.msg}`);
  return { rows: runHook(hookTraces, hookCols, o), variantMsg: variant.msg, guard: variant.guard, rounds: o.hookRounds };
}

/** Debug-mode section: the slowdown of debug mode (stacks off / on) on the malloc-lab traces. */
async function debugSection(mlTraces: BenchTrace[], o: Opts): Promise<NonNullable<Report['debug']>> {
  // loaded here only: the main process never loads the project's own build of the core
  const { debugRows } = await import('./debug-slowdown.js');
  log(`debug mode: ${mlTraces.length} traces x 3 modes, ${o.debugSamples} samples of >= ${o.minSampleOps} ops ` +
    `(stacks on: ${Math.min(o.debugSamples, 3)} of >= ${Math.ceil(o.minSampleOps / 3)})`);
  const rows = await debugRows(mlTraces, o.debugSamples, o.minSampleOps, log);
  return { rows, samples: o.debugSamples, minOps: o.minSampleOps };
}

/** Runs this script again with `args` in a fresh node process that writes its JSON to a temp file. */
function runChild<T>(what: string, args: string[]): T | null {
  const tmp = join(BENCH_DIR, 'out', `${what}-${process.pid}.json`);
  mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...args, '--no-write', '--json', tmp],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0 && existsSync(tmp)) {
    const x = JSON.parse(readFileSync(tmp, 'utf8')) as T;
    rmSync(tmp, { force: true });
    return x;
  }
  log(`${what} section failed (exit ${r.status})`);
  return null;
}

function machine(): Report['machine'] {
  let cpu = os.cpus()[0]?.model ?? '?';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  let gcc = 'n/a';
  try {
    gcc = execSync(`${process.env.CC || 'gcc'} --version`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch { /* no gcc */ }
  let glibc = 'n/a';
  try {
    glibc = execSync('ldd --version', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch { /* no ldd */ }
  const pkgVersion = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return '?';
    }
  };
  return {
    node: process.version, v8: process.versions.v8, cpu, cores: os.cpus().length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), os: `${os.type()} ${os.release()} ${os.arch()}`,
    gcc, glibc, date: new Date().toISOString(),
    peers: { '@thi.ng/malloc': pkgVersion('@thi.ng/malloc'), malloc: pkgVersion('malloc') },
  };
}

async function main(): Promise<void> {
  const o = options();
  if (typeof (globalThis as any).gc !== 'function') log('note: run with node --expose-gc (npm run bench does) so each run starts after a GC');
  // traces
  if (ensureTraces(DEFAULT_TRACE_DIR, (s) => log('generated ' + s), o.regen)) log('synthetic traces written to bench/traces');
  const sel = selectTraces(o);
  const traces: BenchTrace[] = [];
  for (const t of sel) traces.push(await loadTrace(t.path, t.group));
  // adapters
  if (o.hookOnly) {
    const hook = await hookSection(traces.filter((t) => t.group !== 'scaling'), o);
    writeFileSync(o.json, JSON.stringify(hook));
    return;
  }
  if (o.debugOnly) {
    const debug = await debugSection(traces.filter((t) => t.group === 'malloclab'), o);
    writeFileSync(o.json, JSON.stringify(debug));
    return;
  }
  const adapters = await selectAdapters(o);
  const cols: Column[] = adapters.map((ad) => ({ name: ad.name, kind: ad.kind, pa: prepare(ad) }));
  let nativeBin: string | null = null;
  let nativeMsg = 'skipped (--no-native)';
  if (!o.noNative) {
    const b = buildNative(BENCH_DIR);
    nativeBin = b.bin;
    nativeMsg = b.msg;
    log(`native replay: ${b.msg}`);
    if (nativeBin) for (const a of nativeAllocs(o.native, log)) cols.push({ name: a.name, kind: 'native', nat: a });
  }
  log(`${traces.length} traces x ${cols.length} columns (${cols.map((c) => c.name).join(', ')}), ${o.rounds} rounds`);
  // main + scaling
  const results: TraceResult[] = [];
  for (const tr of traces) results.push(runTrace(tr, cols, o, o.rounds, nativeBin));
  // event hook: in a fresh process, so that the state the main section leaves in V8 (a dozen module
  // copies, their code and feedback, a large old generation) does not weigh on one column more than another
  let hook: Report['hook'] = null;
  const hookTraces = traces.filter((t) => t.group !== 'scaling');
  const wantHeapflow = !o.adapters || o.adapters.includes('heapflow');
  if (!o.noHook && hookTraces.length && wantHeapflow) {
    hook = runChild<NonNullable<Report['hook']>>('event-hook', ['--hook-only',
      '--traces', hookTraces.map((t) => t.name).join(','), '--hook-rounds', String(o.hookRounds),
      '--min-sample-ops', String(o.minSampleOps), '--run-timeout-s', String(o.runTimeoutS)]);
  }
  // debug mode: also in a fresh process, for the same reason
  let debug: Report['debug'] = null;
  const mlTraces = traces.filter((t) => t.group === 'malloclab');
  if (!o.noDebug && mlTraces.length && wantHeapflow) {
    debug = runChild<NonNullable<Report['debug']>>('debug', ['--debug-only',
      '--traces', mlTraces.map((t) => t.name).join(','), '--debug-samples', String(o.debugSamples),
      '--min-sample-ops', String(o.minSampleOps)]);
  }
  const report: Report = {
    machine: machine(),
    options: {
      rounds: o.rounds, runTimeoutS: o.runTimeoutS, cellBudgetS: o.cellBudgetS, minSampleOps: o.minSampleOps,
      heapMult: o.heapMult, quick: o.quick, argv: process.argv.slice(2).join(' '),
    },
    nativeMsg,
    adapters: [...adapters.map((a) => ({ name: a.name, notes: a.notes }))],
    traces: results,
    hook,
    debug,
    wallS: (performance.now() - T0) / 1000,
    defaultAllocator: DEFAULT_ALLOCATOR,
  };
  const md = renderReport(report);
  console.log('\n' + md);
  mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
  writeFileSync(o.out, md);
  writeFileSync(o.json, JSON.stringify(report, null, 1));
  log(`wrote ${o.out} and ${o.json}`);
  if (o.write) {
    writeFileSync(join(BENCH_DIR, 'RESULTS.md'), md);
    log('wrote bench/RESULTS.md');
  } else log('bench/RESULTS.md not written (partial run; pass --write to force)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * `npm run bench:virtual` — the virtual allocator (src/virtual) measured against peers in the
 * same run: a sorted free list with first fit (test/support/sorted-free-list.ts, the simple way)
 * and the byte heap's policies through createHeap (a different job: it keeps headers inside its
 * memory; shown for scale). A script, not a test.
 *
 *   npm run bench:virtual                 full run; writes bench/VIRTUAL-RESULTS.md
 *   npm run bench:virtual -- --quick      malloc-lab traces only, fewer rounds; writes bench/out/virtual.md
 *
 * Sections: throughput and utilization on the malloc-lab traces and the synthetic traces (sizes
 * taken as units; a realloc is a free then an alloc, since an offset allocator has no realloc);
 * the cost of 256-unit alignment on random sizes; the exact search's worst case; a million live
 * allocations.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { allocatorNames, createHeap, createVirtualAllocator } from '../src/index.js';
import { SortedFreeList } from '../test/support/sorted-free-list.js';
import { BENCH_DIR, DEFAULT_TRACE_DIR, ensureTraces, tracePath } from './gen-traces.js';
import { loadTrace, median, type BenchTrace } from './replay.js';
import { mulberry32 } from './prng.js';

const REPO = resolve(BENCH_DIR, '..');
const SPACE = 2 ** 32;
const SYNTHETIC_OPS = 200_000;

/** One allocator under test: alloc returns an offset, or `none` when it refuses. */
interface Subject {
  alloc(size: number): number;
  free(offset: number): void;
  /** Peak end of the space in use, given the highest offset + size the replay saw (the heap: its peak break). */
  peakExtent(highWater: number): number;
  none: number;
  /** Anything worth a footnote (the exact search's count). */
  note?(): string;
}
interface Maker {
  name: string;
  make(alignment: number): Subject;
}

// ---- subjects

const virtualMaker: Maker = {
  name: 'virtual',
  make(alignment) {
    const va = createVirtualAllocator({ size: SPACE });
    return {
      alloc: alignment === 1 ? (n) => va.alloc(n) : (n) => va.alloc(n, alignment),
      free: (o) => va.free(o),
      peakExtent: (hw) => hw,
      none: -1,
      note: () => `exact searches ${va.stats().exactSearches}`,
    };
  },
};

const sortedMaker: Maker = {
  name: 'sorted list',
  make(alignment) {
    const sl = new SortedFreeList(SPACE);
    return {
      alloc: (n) => sl.alloc(n, alignment),
      free: (o) => void sl.free(o),
      peakExtent: (hw) => hw,
      none: -1,
    };
  },
};

function heapMaker(name: string, options: Record<string, unknown>): Maker {
  return {
    name,
    make(alignment) {
      const heap = createHeap({ maxSize: 2 ** 31, ...options } as never);
      return {
        alloc: alignment <= 8 ? (n) => heap.malloc(n) : (n) => heap.alignedAlloc(alignment, n),
        free: (p) => heap.free(p),
        peakExtent: () => heap.stats().peakHeapSize,
        none: 0,
      };
    },
  };
}

// ---- the replay loop, instantiated afresh per subject so each gets its own inline caches

interface Ops {
  kind: Uint8Array;
  ids: Int32Array;
  sizes: Int32Array;
  n: number;
  nIds: number;
  peakLive: number;
}

/** Replays `ops`; returns the highest offset + size seen (when `track`, else 0). */
function replayImpl(ops: Ops, s: Subject, offsets: Float64Array, track: boolean): number {
  const alloc = s.alloc, free = s.free, none = s.none;
  const kind = ops.kind, ids = ops.ids, sizes = ops.sizes;
  offsets.fill(-1);
  let highWater = 0;
  for (let i = 0; i < ops.n; i++) {
    const id = ids[i];
    const old = offsets[id];
    if (old !== -1) {
      free(old);
      offsets[id] = -1;
    }
    if (kind[i] === 1) continue;
    const o = alloc(sizes[i]);
    if (o === none) throw new Error(`op ${i}: alloc(${sizes[i]}) refused`);
    offsets[id] = o;
    if (track && o + sizes[i] > highWater) highWater = o + sizes[i];
  }
  for (let id = 0; id < ops.nIds; id++) if (offsets[id] !== -1) free(offsets[id]);
  return highWater;
}
type ReplayFn = typeof replayImpl;
const freshReplay = (): ReplayFn => new Function(`return (${replayImpl.toString()})`)() as ReplayFn;

interface Cell {
  nsPerOp: number;
  utilization: number;
  note: string;
}

/**
 * CPU time (user + system) of `fn` in ns: on a machine shared with other jobs, wall time counts
 * their time slices too. Samples are >= 100k ops (milliseconds), far above the clock's microsecond.
 */
function cpuNs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}

/** A validation pass (the peak extent), then timed rounds, each on a fresh allocator; short traces are replayed to >= minOps per sample. */
function measure(maker: Maker, ops: Ops, alignment: number, rounds: number, minOps: number): Cell {
  const replay = freshReplay();
  const offsets = new Float64Array(ops.nIds);
  const probe = maker.make(alignment);
  const peak = probe.peakExtent(replay(ops, probe, offsets, true));
  const note = probe.note?.() ?? '';
  const reps = Math.max(1, Math.ceil(minOps / ops.n));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = maker.make(alignment); // every replay frees all it allocated: the next one starts from empty again
    const ns = cpuNs(() => {
      for (let k = 0; k < reps; k++) replay(ops, s, offsets, false);
    });
    samples.push(ns / (reps * ops.n));
  }
  return { nsPerOp: median(samples), utilization: ops.peakLive / peak, note };
}

// ---- traces

function fromBench(tr: BenchTrace, limit: number): Ops {
  const n = Math.min(tr.nOps, limit);
  const kind = tr.kind.subarray(0, n), ids = tr.ids.subarray(0, n), sizes = tr.sizes.subarray(0, n);
  return { kind, ids, sizes, n, nIds: tr.nIds, peakLive: peakLive(kind, ids, sizes, tr.nIds) };
}

function peakLive(kind: Uint8Array, ids: Int32Array, sizes: Int32Array, nIds: number): number {
  const cur = new Float64Array(nIds);
  let live = 0, peak = 0;
  for (let i = 0; i < kind.length; i++) {
    live -= cur[ids[i]];
    cur[ids[i]] = kind[i] === 1 ? 0 : sizes[i];
    live += cur[ids[i]];
    if (live > peak) peak = live;
  }
  return peak;
}

/** Random sizes, log-uniform 1..65536 units, about `live` allocations live, random free order. */
function randomTrace(n: number, live: number, seed: number): Ops {
  const rnd = mulberry32(seed);
  const kind = new Uint8Array(n), ids = new Int32Array(n), sizes = new Int32Array(n);
  const alive: number[] = [];
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (alive.length > 0 && (alive.length >= live || rnd() < 0.45 * (alive.length / live))) {
      const k = Math.floor(rnd() * alive.length);
      ids[i] = alive[k];
      alive[k] = alive[alive.length - 1];
      alive.pop();
      kind[i] = 1;
    } else {
      ids[i] = next;
      alive.push(next++);
      sizes[i] = Math.max(1, Math.floor(Math.exp(rnd() * Math.log(65536))));
    }
  }
  return { kind, ids, sizes, n, nIds: next, peakLive: peakLive(kind, ids, sizes, next) };
}

// ---- sections

const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function traceSection(makers: Maker[], quick: boolean, rounds: number, out: string[]): Promise<void> {
  const dir = join(REPO, 'traces/malloclab');
  const traces: Array<[string, Ops]> = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.rep')).sort()) {
    traces.push([`malloclab/${f.replace('.rep', '')}`, fromBench(await loadTrace(join(dir, f), 'malloclab'), Infinity)]);
  }
  if (!quick) {
    ensureTraces(DEFAULT_TRACE_DIR, () => {});
    for (const name of ['rand-small', 'rand-mixed', 'lifo', 'realloc-grow', 'fragment']) {
      traces.push([`${name} (first ${SYNTHETIC_OPS / 1000}k ops)`, fromBench(await loadTrace(tracePath(DEFAULT_TRACE_DIR, name), 'synthetic'), SYNTHETIC_OPS)]);
    }
  }
  out.push('## Traces: CPU ns per op (median of rounds) and utilization', '',
    'Utilization = peak live units / peak extent (the end of the highest range in use; the heap: its break, headers included).', '',
    `| trace | ops | ${makers.map((m) => m.name).join(' | ')} | sorted list / virtual | ${makers.map((m) => `util ${m.name}`).join(' | ')} | virtual |`,
    `|---|---:|${makers.map(() => '---:').join('|')}|---:|${makers.map(() => '---:').join('|')}|---|`);
  const ratios: number[] = [];
  for (const [name, ops] of traces) {
    const cells = makers.map((m) => measure(m, ops, 1, rounds, 100_000));
    const ratio = cells[1].nsPerOp / cells[0].nsPerOp;
    ratios.push(ratio);
    out.push(`| ${name} | ${ops.n} | ${cells.map((c) => fmt(c.nsPerOp)).join(' | ')} | ${fmt(ratio, 2)}x | ${cells.map((c) => pct(c.utilization)).join(' | ')} | ${cells[0].note} |`);
    process.stdout.write(`  ${name}: ${cells.map((c, i) => `${makers[i].name} ${fmt(c.nsPerOp)} ns/op`).join(', ')}\n`);
  }
  out.push('', `Median sorted list / virtual: ${fmt(median(ratios), 2)}x (above 1: the virtual allocator is faster).`, '');
}

function alignmentSection(makers: Maker[], quick: boolean, rounds: number, out: string[]): void {
  const ops = randomTrace(quick ? 50_000 : SYNTHETIC_OPS, 2000, 7);
  out.push('## The cost of 256-unit alignment (random sizes 1..65536, log-uniform, ~2000 live)', '',
    'Waste = 1 - utilization: units the aligned run needs beyond the live ones (padding kept as free ranges, and what it fragments).', '',
    '| allocator | ns/op align 1 | ns/op align 256 | slowdown | utilization align 1 | align 256 | virtual |', '|---|---:|---:|---:|---:|---:|---|');
  for (const m of makers) {
    const a1 = measure(m, ops, 1, rounds, 100_000), a256 = measure(m, ops, 256, rounds, 100_000);
    out.push(`| ${m.name} | ${fmt(a1.nsPerOp)} | ${fmt(a256.nsPerOp)} | ${fmt(a256.nsPerOp / a1.nsPerOp, 2)}x | ${pct(a1.utilization)} | ${pct(a256.utilization)} | ${a256.note} |`);
    process.stdout.write(`  alignment: ${m.name} ${fmt(a1.nsPerOp)} -> ${fmt(a256.nsPerOp)} ns/op\n`);
  }
  out.push('');
}

/**
 * The exact search's worst case: k free ranges that all sit in the request's own list but are
 * too small (or too misaligned) for it, so good fit finds nothing and the search visits each.
 */
function worstCaseSection(quick: boolean, out: string[]): void {
  out.push('## The exact search\'s worst case', '',
    'k free ranges of 32 units at odd offsets between 2-unit allocations; `alloc(33)` (its own list holds them, the good-fit list above is empty) and `alloc(32, 256)` (every range misaligned) visit all k and refuse. CPU time.', '',
    '| k free ranges | alloc(33): µs per refusal | ns per range visited | alloc(32, 256): µs per refusal | alloc(31) + free (good fit): ns |', '|---:|---:|---:|---:|---:|');
  for (const k of quick ? [1000, 10_000] : [1000, 10_000, 100_000]) {
    // [0,1) used, then k times: 32 free units at an odd offset, 2 used units.
    const va = createVirtualAllocator({ size: 1 + 34 * k });
    va.alloc(1);
    for (let i = 0; i < k; i++) {
      va.alloc(32);
      va.alloc(2);
    }
    for (let i = 0; i < k; i++) va.free(1 + 34 * i);
    const time = (fn: () => number, reps: number): number => cpuNs(() => {
      for (let r = 0; r < reps; r++) if (fn() !== -1) throw new Error('expected a refusal');
    }) / reps;
    const reps = Math.max(3, Math.floor(2_000_000 / k));
    const miss = time(() => va.alloc(33), reps);
    const aligned = time(() => va.alloc(32, 256), reps);
    const hit = cpuNs(() => {
      for (let r = 0; r < 100_000; r++) va.free(va.alloc(31));
    }) / 100_000;
    va.check();
    out.push(`| ${k} | ${fmt(miss / 1000, 2)} | ${fmt(miss / k, 2)} | ${fmt(aligned / 1000, 2)} | ${fmt(hit)} |`);
  }
  out.push('', 'Linear in the ranges of the lists searched, as documented; a request that good fit serves does not pay it (last column).', '');
}

function millionSection(out: string[]): void {
  const N = 1_000_000;
  const va = createVirtualAllocator({ size: SPACE });
  const offsets = new Float64Array(N);
  const allocNs = cpuNs(() => {
    for (let i = 0; i < N; i++) offsets[i] = va.alloc(1 + (Math.imul(i, 2654435761) >>> 26));
  });
  const storage = va.storageReport();
  const freeNs = cpuNs(() => {
    for (let i = 0; i < N; i += 2) va.free(offsets[i]);
    for (let i = 1; i < N; i += 2) va.free(offsets[i]);
  });
  out.push('## A million live allocations (sizes 1..64, one allocator from empty)', '',
    `alloc ${fmt(allocNs / N)} ns each (metadata growing by doubling on the way), free ${fmt(freeNs / N)} ns each (CPU time); ` +
    `metadata ${fmt(storage.metadataBytes / 2 ** 20)} MiB = ${fmt(storage.bytesPerAllocation)} bytes per allocation ` +
    `(node capacity ${storage.nodeCapacity}, index capacity ${storage.indexCapacity}).`, '');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, write: { type: 'boolean' }, rounds: { type: 'string' } } });
  const quick = values.quick ?? false;
  const rounds = values.rounds !== undefined ? Number(values.rounds) : quick ? 3 : 5;
  const tlsf = (allocatorNames() as string[]).includes('tlsf');
  const makers = [virtualMaker, sortedMaker, heapMaker('heap segfit', { allocator: 'segfit' }), ...(tlsf ? [heapMaker('heap tlsf', { allocator: 'tlsf' })] : [])];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const loadAtStart = os.loadavg()[0];
  const out = [
    '# Virtual allocator benchmark', '',
    `\`npm run bench:virtual${quick ? ' -- --quick' : ''}\` on ${os.cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    'LOAD',
    'Columns: `virtual` = createVirtualAllocator (TLSF over side arrays, exact fallback); `sorted list` = first fit over a sorted array of free ranges (the simple exact way);',
    `\`heap segfit\` = createHeap's default byte allocator (headers inside its memory, a different job: for scale). ${tlsf ? '`heap tlsf` = the heap\'s tlsf policy.' : 'The heap\'s `tlsf` policy is not in this build, so it has no column.'}`,
    'Space 2^32 units for the offset allocators; sizes of the traces taken as units.', '',
  ];
  await traceSection(makers, quick, rounds, out);
  alignmentSection(makers, quick, rounds, out);
  worstCaseSection(quick, out);
  millionSection(out);
  // Figures are CPU time of this process, but a busy machine still slows it (caches, memory bandwidth).
  out[out.indexOf('LOAD')] = `Load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end, on ${os.cpus().length} cores.`;
  const text = out.join('\n');
  process.stdout.write('\n' + text + '\n');
  const write = values.write ?? !quick;
  const path = write ? join(BENCH_DIR, 'VIRTUAL-RESULTS.md') : join(BENCH_DIR, 'out', 'virtual.md');
  mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`\nwrote ${path}\n`);
}

await main();

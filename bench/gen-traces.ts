/**
 * Deterministic synthetic trace generator (CS:APP malloc-lab `.rep` format).
 *
 *   node .build/bench/gen-traces.js [outDir]      (default: bench/traces in the repo)
 *
 * Writes the five benchmark traces (about 1M ops each):
 *   rand-small    small random sizes (8..512 B, log-uniform) with a large live set (~10k blocks), random free order
 *   rand-mixed    mixed sizes 8 B..64 KiB (log-uniform), ~5k live blocks
 *   lifo          stack-like: bursts of pushes and pops, depth <= 2048, 16..256 B
 *   realloc-grow  realloc-heavy: ~1000 vectors grown by doubling up to 256 KiB
 *   fragment      fragmentation stress: small blocks with every other one freed, then 2..8 KiB requests
 * and the scaling series scaling/scale-{1k,10k,100k}.rep (rand-small-like, 400k ops,
 * live set 1k / 10k / 100k blocks).
 *
 * Fixed seeds and the same algorithms as the company harness (shared/bench-harness/gen_traces.mjs),
 * so the files are byte-identical to the harness's and the figures can be cross-checked.
 * Header lines: peak live payload bytes, number of ids, number of ops, weight 1.
 * Generation is skipped when the files exist and carry the current GENERATOR_VERSION stamp.
 */
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR_VERSION = 'heapflow-gen-1 (harness-compatible)';

/** bench/ in the repo (this file compiles to .build/bench/gen-traces.js). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench');
export const DEFAULT_TRACE_DIR = join(BENCH_DIR, 'traces');

import { mulberry32 } from './prng.js';

export const SYNTHETIC = ['rand-small', 'rand-mixed', 'lifo', 'realloc-grow', 'fragment'] as const;
export const SCALING = ['scale-1k', 'scale-10k', 'scale-100k'] as const;

// ---- PRNG: mulberry32 with fixed seeds (bench/prng.ts)
type Rnd = () => number;
const randInt = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
function logUniform(rnd: Rnd, lo: number, hi: number): number {
  const l = Math.log(lo), h = Math.log(hi + 1);
  const v = Math.floor(Math.exp(l + rnd() * (h - l)));
  return v < lo ? lo : v > hi ? hi : v;
}

/** Trace builder that tracks ids, live bytes and peaks. */
class Builder {
  lines: string[] = [];
  nextId = 0;
  size: number[] = [];
  live = 0;
  liveBytes = 0;
  peakBytes = 0;
  peakLive = 0;
  alloc(sz: number): number {
    const id = this.nextId++;
    this.lines.push(`a ${id} ${sz}`);
    this.size[id] = sz;
    this.live++;
    this.liveBytes += sz;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    if (this.live > this.peakLive) this.peakLive = this.live;
    return id;
  }
  free(id: number): void {
    this.lines.push(`f ${id}`);
    this.liveBytes -= this.size[id];
    this.size[id] = -1;
    this.live--;
  }
  realloc(id: number, sz: number): void {
    this.lines.push(`r ${id} ${sz}`);
    this.liveBytes += sz - this.size[id];
    this.size[id] = sz;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
  }
  get nOps(): number {
    return this.lines.length;
  }
  write(path: string, log: (s: string) => void): void {
    const head = [this.peakBytes, this.nextId, this.lines.length, 1].join('\n');
    writeFileSync(path, head + '\n' + this.lines.join('\n') + '\n');
    log(`${path}: ops=${this.lines.length} ids=${this.nextId} peakLiveBlocks=${this.peakLive} peakLiveBytes=${this.peakBytes}`);
  }
}

/** Live set with O(1) random removal (swap-remove). */
class LiveSet {
  a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  add(id: number): void {
    this.a.push(id);
  }
  takeRandom(rnd: Rnd): number {
    const i = Math.floor(rnd() * this.a.length);
    const id = this.a[i];
    this.a[i] = this.a[this.a.length - 1];
    this.a.pop();
    return id;
  }
}

/** Ramp to `target` live blocks, then random alloc/free (p=0.5, clamped to target +-10%), then free all. */
function randomTrace(o: { seed: number; nOps: number; target: number; lo: number; hi: number }): Builder {
  const rnd = mulberry32(o.seed);
  const t = new Builder();
  const live = new LiveSet();
  for (let i = 0; i < o.target; i++) live.add(t.alloc(logUniform(rnd, o.lo, o.hi)));
  const band = Math.max(1, Math.floor(o.target * 0.1));
  while (t.nOps + live.size < o.nOps) {
    let doAlloc = rnd() < 0.5;
    if (live.size <= o.target - band) doAlloc = true;
    else if (live.size >= o.target + band) doAlloc = false;
    if (doAlloc && t.nOps + live.size + 2 > o.nOps) doAlloc = false;
    if (doAlloc) live.add(t.alloc(logUniform(rnd, o.lo, o.hi)));
    else t.free(live.takeRandom(rnd));
  }
  while (live.size) t.free(live.takeRandom(rnd));
  return t;
}

/** Stack-like: bursts of pushes and pops; frees always the most recent live block. */
function lifoTrace(o: { seed: number; nOps: number; maxDepth: number; lo: number; hi: number }): Builder {
  const rnd = mulberry32(o.seed);
  const t = new Builder();
  const stack: number[] = [];
  while (t.nOps + stack.length < o.nOps) {
    const push = stack.length === 0 || (stack.length < o.maxDepth && rnd() < 0.5);
    let k = randInt(rnd, 1, 64);
    if (push) {
      k = Math.min(k, o.maxDepth - stack.length, Math.floor((o.nOps - t.nOps - stack.length) / 2));
      for (let i = 0; i < k; i++) stack.push(t.alloc(randInt(rnd, o.lo, o.hi)));
    } else {
      k = Math.min(k, stack.length);
      for (let i = 0; i < k; i++) t.free(stack.pop()!);
    }
  }
  while (stack.length) t.free(stack.pop()!);
  return t;
}

/** ~`target` vectors grown by realloc doubling (p=0.6), new (0.2), free (0.2); > maxSize: freed. */
function reallocTrace(o: { seed: number; nOps: number; target: number; maxSize: number }): Builder {
  const rnd = mulberry32(o.seed);
  const t = new Builder();
  const live: number[] = [];
  const band = Math.floor(o.target * 0.1);
  const freeAt = (i: number): void => {
    const id = live[i];
    live[i] = live[live.length - 1];
    live.pop();
    t.free(id);
  };
  for (let i = 0; i < o.target; i++) live.push(t.alloc(randInt(rnd, 16, 64)));
  while (t.nOps + live.length < o.nOps) {
    const u = rnd();
    let act = u < 0.6 ? 'grow' : u < 0.8 ? 'new' : 'free';
    if (act === 'free' && live.length <= o.target - band) act = 'new';
    if (act === 'new' && (live.length >= o.target + band || t.nOps + live.length + 2 > o.nOps)) act = 'free';
    if (act === 'new') {
      live.push(t.alloc(randInt(rnd, 16, 64)));
      continue;
    }
    const i = Math.floor(rnd() * live.length);
    if (act === 'free') {
      freeAt(i);
      continue;
    }
    const id = live[i];
    const ns = t.size[id] * 2;
    if (ns > o.maxSize) freeAt(i);
    else t.realloc(id, ns);
  }
  while (live.length) freeAt(live.length - 1);
  return t;
}

/** Rounds of: `small` blocks, every other one freed, large (2..8 KiB) requests of about the freed bytes. */
function fragmentTrace(o: { seed: number; rounds: number; small: number }): Builder {
  const rnd = mulberry32(o.seed);
  const t = new Builder();
  let prevLarge: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const ids: number[] = [];
    for (let i = 0; i < o.small; i++) ids.push(t.alloc(randInt(rnd, 16, 64)));
    let freed = 0;
    for (let i = 1; i < ids.length; i += 2) {
      freed += t.size[ids[i]];
      t.free(ids[i]);
    }
    const large: number[] = [];
    let got = 0;
    while (got < freed) {
      const s = randInt(rnd, 2048, 8192);
      got += s;
      large.push(t.alloc(s));
    }
    for (const id of prevLarge) t.free(id);
    for (let i = 0; i < ids.length; i += 2) t.free(ids[i]);
    prevLarge = large;
  }
  for (const id of prevLarge) t.free(id);
  return t;
}

const SCALE_OPS = 400_000;

/** Every generated trace: name -> path relative to the trace dir, and its generator. */
const RECIPES: Array<[string, () => Builder]> = [
  ['rand-small.rep', () => randomTrace({ seed: 1, nOps: 1_000_000, target: 10_000, lo: 8, hi: 512 })],
  ['rand-mixed.rep', () => randomTrace({ seed: 2, nOps: 1_000_000, target: 5_000, lo: 8, hi: 65536 })],
  ['lifo.rep', () => lifoTrace({ seed: 3, nOps: 1_000_000, maxDepth: 2048, lo: 16, hi: 256 })],
  ['realloc-grow.rep', () => reallocTrace({ seed: 4, nOps: 500_000, target: 1000, maxSize: 256 * 1024 })],
  ['fragment.rep', () => fragmentTrace({ seed: 5, rounds: 12, small: 20_000 })],
  ...([['1k', 1_000], ['10k', 10_000], ['100k', 100_000]] as const).map(
    ([name, target]): [string, () => Builder] => [
      `scaling/scale-${name}.rep`,
      () => randomTrace({ seed: 10 + target, nOps: SCALE_OPS, target, lo: 8, hi: 512 }),
    ],
  ),
];

/** Path of a generated trace by name (e.g. 'rand-small' or 'scale-1k'). */
export function tracePath(dir: string, name: string): string {
  return name.startsWith('scale-') ? join(dir, 'scaling', name + '.rep') : join(dir, name + '.rep');
}

/** Writes all synthetic traces into `dir` unless they are there with the current stamp. Returns true if it wrote. */
export function ensureTraces(dir: string = DEFAULT_TRACE_DIR, log: (s: string) => void = console.log, force = false): boolean {
  const stamp = join(dir, 'STAMP');
  const ok =
    !force &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === GENERATOR_VERSION &&
    RECIPES.every(([rel]) => existsSync(join(dir, rel)));
  if (ok) return false;
  mkdirSync(join(dir, 'scaling'), { recursive: true });
  for (const [rel, make] of RECIPES) make().write(join(dir, rel), log);
  writeFileSync(stamp, GENERATOR_VERSION + '\n');
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_TRACE_DIR;
  ensureTraces(out, console.log, true);
}

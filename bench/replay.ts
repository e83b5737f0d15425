/**
 * Trace loading and the replay engine of `npm run bench`.
 *
 * What one replay does: for every op of the trace (parsed once into typed arrays, outside the timed
 * region), call malloc/free/realloc and write a tag byte into the first and last byte of every block
 * returned by malloc/realloc (a program touches the memory it gets; it also keeps V8 from optimizing
 * the work away). `r` on an id with no block calls malloc; `f` on an id with no block is skipped;
 * size 0 is clamped to 1. Same rules as bench/native/replay.c and the company harness.
 *
 * The loops are instantiated afresh per adapter (new Function over their source), so every adapter
 * gets its own monomorphic inline caches and JIT code.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readTrace } from '../src/trace/read-trace.js';
import { OP_FREE } from '../src/trace/types.js';
import type { Adapter, Instance } from './adapters.js';
import { BENCH_DIR, DEFAULT_TRACE_DIR, tracePath } from './gen-traces.js';

export interface BenchTrace {
  /** Table label, e.g. 'rand-small', 'scale-1k', 'malloclab/binary-bal'. */
  name: string;
  path: string;
  group: 'synthetic' | 'malloclab' | 'real' | 'scaling';
  kind: Uint8Array;
  ids: Int32Array;
  sizes: Int32Array;
  nOps: number;
  nIds: number;
  nAlloc: number;
  nFree: number;
  nRealloc: number;
  peakLiveBlocks: number;
  peakLiveBytes: number;
  /** Every block is freed by the end of the trace. */
  balanced: boolean;
}

/** Reads a .rep with the project's parser (src/trace) and derives the replay arrays and peaks. */
export async function loadTrace(path: string, group: BenchTrace['group']): Promise<BenchTrace> {
  const t = await readTrace(path);
  const n = t.length;
  const kind = t.kinds;
  const ids = new Int32Array(n);
  const sizes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = t.ids[i];
    const s = t.sizes[i];
    if (s > 0x7fffffff) throw new Error(`${path}: op ${i}: size ${s} too large for the bench`);
    sizes[i] = kind[i] === OP_FREE ? 0 : Math.max(1, s);
  }
  let maxId = -1;
  for (let i = 0; i < n; i++) if (ids[i] > maxId) maxId = ids[i];
  const nIds = Math.max(t.idCount, maxId + 1);
  const cur = new Float64Array(nIds);
  let live = 0, liveBytes = 0, peakLive = 0, peakBytes = 0, nA = 0, nF = 0, nR = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (kind[i] === OP_FREE) {
      nF++;
      if (cur[id] > 0) {
        liveBytes -= cur[id];
        cur[id] = 0;
        live--;
      }
    } else {
      if (kind[i] === 0) nA++;
      else nR++;
      if (cur[id] > 0) liveBytes -= cur[id];
      else live++;
      cur[id] = sizes[i];
      liveBytes += sizes[i];
      if (liveBytes > peakBytes) peakBytes = liveBytes;
      if (live > peakLive) peakLive = live;
    }
  }
  const base = basename(path).replace(/\.rep(\.gz)?$/, '');
  return {
    name: group === 'malloclab' || group === 'real' ? `${basename(dirname(path))}/${base}` : base,
    path, group, kind, ids, sizes, nOps: n, nIds, nAlloc: nA, nFree: nF, nRealloc: nR,
    peakLiveBlocks: peakLive, peakLiveBytes: peakBytes, balanced: live === 0,
  };
}

/**
 * A bundled trace by its table name: 'malloclab/NAME' (traces/malloclab), 'real/NAME'
 * (traces/real, gzipped) or a synthetic one ('rand-small', 'scale-1k': bench/traces).
 */
export async function loadNamedTrace(name: string): Promise<BenchTrace> {
  const repo = resolve(BENCH_DIR, '..');
  const [path, group]: [string, BenchTrace['group']] = name.startsWith('malloclab/') ? [join(repo, 'traces', name + '.rep'), 'malloclab']
    : name.startsWith('real/') ? [join(repo, 'traces', name + '.rep.gz'), 'real']
    : [tracePath(DEFAULT_TRACE_DIR, name), 'synthetic'];
  if (!existsSync(path)) throw new Error(`no trace ${name} (${path})`);
  return loadTrace(path, group);
}

/** Peak live payload bytes over ops [0, n) (for runs cut short by the time cap). */
export function peakLivePrefix(tr: BenchTrace, n: number): number {
  const cur = new Float64Array(tr.nIds);
  let live = 0, peak = 0;
  for (let i = 0; i < n; i++) {
    const id = tr.ids[i];
    if (tr.kind[i] === OP_FREE) {
      live -= cur[id];
      cur[id] = 0;
    } else {
      live += tr.sizes[i] - cur[id];
      cur[id] = tr.sizes[i];
      if (live > peak) peak = live;
    }
  }
  return peak;
}

/** Timed window: the whole trace, or (steady) from the first free to the last alloc/realloc. */
export function timedWindow(tr: BenchTrace, steady: boolean): [number, number] {
  if (!steady) return [0, tr.nOps];
  let a = 0, b = tr.nOps;
  while (a < tr.nOps && tr.kind[a] !== OP_FREE) a++;
  while (b > a && tr.kind[b - 1] === OP_FREE) b--;
  return b > a ? [a, b] : [0, tr.nOps];
}

/** Mutable state of one replay, shared with the loop. */
interface LoopState {
  fail: string | null;
  failOp: number;
  timeout: boolean;
  peakExtent: number;
}

// ------------------------------------------------------------------------------ replay loops
// Plain functions without references to module scope: they are re-instantiated per adapter from
// their source text. Pointer loop (mem = a Uint8Array the pointers index), a variant that re-reads
// the view after every malloc/realloc (growing heaps), and the object loop (js-gc).

function replayHeapImpl(
  kind: Uint8Array, ids: Int32Array, sizes: Int32Array, from: number, to: number, inst: any,
  ptrs: Uint32Array, cur: Uint32Array | null, check: boolean, deadlineMs: number, st: LoopState,
): number {
  const malloc = inst.malloc, free = inst.free, realloc = inst.realloc, extent = inst.extent;
  const mem: Uint8Array = inst.mem;
  let peakExt = 0;
  let i = from;
  try {
    for (; i < to; i++) {
      const id = ids[i];
      const k = kind[i];
      if (k === 1) {
        const p = ptrs[id];
        if (p === 0) continue;
        if (check) {
          const t = (id & 0x7f) | 0x80;
          if (mem[p] !== t || mem[p + cur![id] - 1] !== t) { st.fail = 'corrupt'; st.failOp = i; return i; }
        }
        free(p);
        ptrs[id] = 0;
      } else {
        const n = sizes[i];
        const t = (id & 0x7f) | 0x80;
        const old = ptrs[id];
        let p;
        if (k === 0 || old === 0) p = malloc(n);
        else {
          if (check && (mem[old] !== t || mem[old + cur![id] - 1] !== t)) { st.fail = 'corrupt'; st.failOp = i; return i; }
          p = realloc(old, n);
          if (check && p && mem[p] !== t) { st.fail = 'realloc lost data'; st.failOp = i; return i; }
        }
        if (!p) { st.fail = k === 0 ? 'malloc returned 0' : 'realloc returned 0'; st.failOp = i; return i; }
        mem[p] = t;
        mem[p + n - 1] = t;
        ptrs[id] = p;
        if (check) {
          cur![id] = n;
          const e = extent();
          if (e > peakExt) peakExt = e;
        }
      }
      if ((i & 1023) === 0 && deadlineMs !== 0 && performance.now() > deadlineMs) { st.timeout = true; return i; }
    }
  } catch (e: any) {
    st.fail = 'threw: ' + String((e && e.message) || e).slice(0, 120);
    st.failOp = i;
    return i;
  } finally {
    if (peakExt > st.peakExtent) st.peakExtent = peakExt;
  }
  return i;
}

function replayHeapRefreshImpl(
  kind: Uint8Array, ids: Int32Array, sizes: Int32Array, from: number, to: number, inst: any,
  ptrs: Uint32Array, cur: Uint32Array | null, check: boolean, deadlineMs: number, st: LoopState,
): number {
  const malloc = inst.malloc, free = inst.free, realloc = inst.realloc, extent = inst.extent, view = inst.view;
  let mem: Uint8Array = view();
  let peakExt = 0;
  let i = from;
  try {
    for (; i < to; i++) {
      const id = ids[i];
      const k = kind[i];
      if (k === 1) {
        const p = ptrs[id];
        if (p === 0) continue;
        if (check) {
          const t = (id & 0x7f) | 0x80;
          if (mem[p] !== t || mem[p + cur![id] - 1] !== t) { st.fail = 'corrupt'; st.failOp = i; return i; }
        }
        free(p);
        mem = view();
        ptrs[id] = 0;
      } else {
        const n = sizes[i];
        const t = (id & 0x7f) | 0x80;
        const old = ptrs[id];
        let p;
        if (k === 0 || old === 0) p = malloc(n);
        else {
          if (check && (mem[old] !== t || mem[old + cur![id] - 1] !== t)) { st.fail = 'corrupt'; st.failOp = i; return i; }
          p = realloc(old, n);
        }
        mem = view();
        if (check && k !== 0 && old !== 0 && p && mem[p] !== t) { st.fail = 'realloc lost data'; st.failOp = i; return i; }
        if (!p) { st.fail = k === 0 ? 'malloc returned 0' : 'realloc returned 0'; st.failOp = i; return i; }
        mem[p] = t;
        mem[p + n - 1] = t;
        ptrs[id] = p;
        if (check) {
          cur![id] = n;
          const e = extent();
          if (e > peakExt) peakExt = e;
        }
      }
      if ((i & 1023) === 0 && deadlineMs !== 0 && performance.now() > deadlineMs) { st.timeout = true; return i; }
    }
  } catch (e: any) {
    st.fail = 'threw: ' + String((e && e.message) || e).slice(0, 120);
    st.failOp = i;
    return i;
  } finally {
    if (peakExt > st.peakExtent) st.peakExtent = peakExt;
  }
  return i;
}

function replayObjImpl(
  kind: Uint8Array, ids: Int32Array, sizes: Int32Array, from: number, to: number, inst: any,
  ptrs: Array<Uint8Array | null>, cur: Uint32Array | null, check: boolean, deadlineMs: number, st: LoopState,
): number {
  const malloc = inst.malloc, free = inst.free, realloc = inst.realloc;
  let i = from;
  try {
    for (; i < to; i++) {
      const id = ids[i];
      const k = kind[i];
      if (k === 1) {
        const p = ptrs[id];
        if (p === null) continue;
        if (check) {
          const t = (id & 0x7f) | 0x80;
          if (p[0] !== t || p[cur![id] - 1] !== t) { st.fail = 'corrupt'; st.failOp = i; return i; }
        }
        free(p);
        ptrs[id] = null;
      } else {
        const n = sizes[i];
        const t = (id & 0x7f) | 0x80;
        const old = ptrs[id];
        let p: Uint8Array;
        if (k === 0 || old === null) p = malloc(n);
        else {
          p = realloc(old, n);
          if (check && p && p[0] !== t) { st.fail = 'realloc lost data'; st.failOp = i; return i; }
        }
        if (!p) { st.fail = k === 0 ? 'malloc returned null' : 'realloc returned null'; st.failOp = i; return i; }
        p[0] = t;
        p[n - 1] = t;
        ptrs[id] = p;
        if (check) cur![id] = n;
      }
      if ((i & 1023) === 0 && deadlineMs !== 0 && performance.now() > deadlineMs) { st.timeout = true; return i; }
    }
  } catch (e: any) {
    st.fail = 'threw: ' + String((e && e.message) || e).slice(0, 120);
    st.failOp = i;
    return i;
  }
  return i;
}

type LoopFn = (
  kind: Uint8Array, ids: Int32Array, sizes: Int32Array, from: number, to: number, inst: Instance,
  ptrs: any, cur: Uint32Array | null, check: boolean, deadlineMs: number, st: LoopState,
) => number;

const freshCopy = (fn: Function): LoopFn => new Function(`return (${fn.toString()})`)() as LoopFn;

/** An adapter with its own copies of the loops. */
export interface Prepared {
  ad: Adapter;
  loop: LoopFn;
  /** Pointers are numbers (true) or Uint8Arrays (false). */
  isHeap: boolean;
}

export function prepare(ad: Adapter): Prepared {
  const probe = ad.create(1 << 20);
  const isHeap = probe.mem != null;
  probe.dispose?.();
  const impl = !isHeap ? replayObjImpl : ad.refresh ? replayHeapRefreshImpl : replayHeapImpl;
  return { ad, loop: freshCopy(impl), isHeap };
}

export interface RunResult {
  ns: number;
  timedOps: number;
  nsPerOp: number;
  opsDone: number;
  fullReps: number;
  fail: string | null;
  failOp: number;
  timeout: boolean;
  peakExtent: number;
}

const gc: () => void = (globalThis as any).gc ?? (() => {});

/**
 * One sample: the trace replayed `k` times on one heap — a fresh one from create(), or `reuse` (an
 * instance left empty by an earlier sample). Only the timed window of each repetition is timed;
 * blocks a repetition leaves live are freed untimed before the next (and, with `reuse`, after the last).
 * `check`: the validation pass (tag checks on free/realloc, extent sampling).
 */
export function oneRun(
  pa: Prepared, tr: BenchTrace, heapBytes: number, check: boolean, timeoutS: number,
  win: [number, number], k: number, reuse?: Instance,
): RunResult {
  const { isHeap, loop } = pa;
  const ptrs: any = isHeap ? new Uint32Array(tr.nIds) : new Array(tr.nIds).fill(null);
  const cur = check ? new Uint32Array(tr.nIds) : null;
  gc();
  const inst = reuse ?? pa.ad.create(heapBytes);
  const st: LoopState = { fail: null, failOp: -1, timeout: false, peakExtent: 0 };
  const [w0, w1] = win;
  const K = tr.kind, I = tr.ids, S = tr.sizes;
  const deadline = timeoutS > 0 ? performance.now() + timeoutS * 1000 : 0;
  let ns = 0, timedOps = 0, done = 0, fullReps = 0;
  if (w0 === 0 && w1 === tr.nOps && tr.balanced) {
    // Whole trace timed and nothing left live at its end: the k repetitions run back to back inside
    // one timed interval (no clock reads between the 12-op repetitions of a short trace).
    const t0 = process.hrtime.bigint();
    for (let rep = 0; rep < k; rep++) {
      done = loop(K, I, S, 0, w1, inst, ptrs, cur, check, deadline, st);
      timedOps += done;
      if (st.fail || st.timeout) break;
      fullReps++;
    }
    ns = Number(process.hrtime.bigint() - t0);
  } else {
    for (let rep = 0; rep < k; rep++) {
      if (w0 > 0) loop(K, I, S, 0, w0, inst, ptrs, cur, check, 0, st); // untimed ramp-up
      if (st.fail) break;
      const t0 = process.hrtime.bigint();
      done = loop(K, I, S, w0, w1, inst, ptrs, cur, check, deadline, st);
      const t1 = process.hrtime.bigint();
      ns += Number(t1 - t0);
      timedOps += done - w0;
      if (st.fail || st.timeout) break;
      if (w1 < tr.nOps) loop(K, I, S, w1, tr.nOps, inst, ptrs, cur, check, 0, st); // untimed teardown
      if (st.fail) break;
      fullReps++;
      if (rep + 1 < k) {
        if (isHeap) {
          for (let j = 0; j < ptrs.length; j++) if (ptrs[j] !== 0) { inst.free(ptrs[j]); ptrs[j] = 0; }
        } else ptrs.fill(null);
      }
    }
  }
  if (reuse) {
    if (isHeap) {
      for (let j = 0; j < ptrs.length; j++) if (ptrs[j] !== 0) inst.free(ptrs[j]);
    }
  } else inst.dispose?.();
  timedOps = Math.max(1, timedOps);
  return {
    ns, timedOps, nsPerOp: ns / timedOps, opsDone: done, fullReps, fail: st.fail, failOp: st.failOp,
    timeout: st.timeout, peakExtent: st.peakExtent,
  };
}

export const MiB = 1 << 20;
/** Heap given to every allocator: mult x peak live payload, rounded up to MiB, at least 1 MiB. */
export function heapFor(tr: BenchTrace, mult: number, maxBytes: number): number {
  const want = Math.max(MiB, Math.ceil((tr.peakLiveBytes * mult) / MiB) * MiB);
  return Math.min(want, maxBytes);
}

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length & 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * The corruption fuzzer of #14: a program with a C bug (an overflow or underflow of 1-64
 * bytes, or a stray write into the allocator's metadata) followed by ordinary calls. The
 * allocator must survive it as glibc does: every call either behaves, or raises
 * HeapCorruptionError (from the call or from check()); it never throws anything else, never
 * returns a pointer that is negative, misaligned, non-integer or past the break, and never
 * shrinks the backing below the break. A block overlapping a live one is counted: a forgery
 * consistent with every boundary tag cannot always be caught (the issue allows 0.5 % of runs).
 */
import { HeapCorruptionError, HeapError, createHeap, type AllocatorName, type BackingKind, type Heap } from '../../src/index.js';

export type FuzzOutcome = 'clean' | 'caught' | 'overlap' | 'wrong-pointer' | 'other-error' | 'lost-backing';

export interface FuzzRun { outcome: FuzzOutcome; detail: string }

/** xorshift32: a small deterministic generator, so that a failing seed can be replayed. */
function rng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

export function fuzzCorruption(seed: number, backing: BackingKind, allocator: AllocatorName, debug = false): FuzzRun {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const heap: Heap = createHeap({ backing, allocator, maxSize: 8 << 20, ...(debug ? { debug: { stacks: false } } : {}) });
  const live = new Map<number, number>(); // ptr -> requested size
  const sizeOf = (): number => (r() < 0.8 ? int(200) : int(20000));
  let corrupted = false;
  try {
    for (let step = 0; step < 120; step++) {
      const roll = r();
      if (!corrupted && step > 20 && roll < 0.08) {
        corrupt(heap, live, int, r);
        corrupted = true;
        continue;
      }
      if (roll < 0.5 || live.size === 0) {
        const n = sizeOf();
        const p = heap.malloc(n);
        const bad = checkPointer(heap, p, n, live);
        if (bad !== null) return bad;
        if (p !== 0) live.set(p, n);
      } else if (roll < 0.8) {
        const p = [...live.keys()][int(live.size)] as number;
        live.delete(p);
        heap.free(p);
      } else if (roll < 0.95) {
        const p = [...live.keys()][int(live.size)] as number;
        const n = sizeOf();
        const old = live.get(p) as number;
        live.delete(p);
        const q = heap.realloc(p, n);
        const bad = checkPointer(heap, q, n, live);
        if (bad !== null) return bad;
        if (q !== 0) live.set(q, n);
        else if (n !== 0) live.set(p, old); // a failed realloc leaves the block as it was
      } else {
        heap.trim();
      }
      const s = heap.stats();
      if (s.backingSize < s.heapSize) return { outcome: 'lost-backing', detail: `backing ${s.backingSize} < break ${s.heapSize}` };
    }
    heap.check();
    return { outcome: 'clean', detail: corrupted ? 'corruption not reached or harmless' : 'no corruption' };
  } catch (e) {
    if (e instanceof HeapCorruptionError) return { outcome: 'caught', detail: e.message };
    if (e instanceof Error && e.name === 'HeapDebugError') return { outcome: 'caught', detail: e.message };
    // a stray write into the header's busy word (shared memory) reads as a call in progress: refused, not amplified
    if (e instanceof HeapError && e.code === 'CONCURRENT_USE') return { outcome: 'caught', detail: e.message };
    return { outcome: 'other-error', detail: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) };
  }
}

/** One C bug: an overflow past a live block, an underflow before it, or a stray byte/word write below the first block. */
function corrupt(heap: Heap, live: Map<number, number>, int: (n: number) => number, r: () => number): void {
  const u8 = heap.u8;
  const kind = r();
  const ptrs = [...live.keys()];
  if (kind < 0.6 && ptrs.length > 0) {
    const p = ptrs[int(ptrs.length)] as number;
    const end = p + heap.usableSize(p);
    const n = 1 + int(64);
    for (let i = 0; i < n && end + i < u8.length; i++) u8[end + i] = int(256);
  } else if (kind < 0.8 && ptrs.length > 0) {
    const p = ptrs[int(ptrs.length)] as number;
    const n = 1 + int(64);
    for (let i = 1; i <= n && p - i >= 0; i++) u8[p - i] = int(256);
  } else {
    // metadata: the header and the policy's own words, below the static area
    const top = heap.staticBase;
    const at = int(top);
    if (r() < 0.5) u8[at] = int(256);
    else new DataView(u8.buffer).setUint32(at & ~3, int(2 ** 32), true);
  }
}

function checkPointer(heap: Heap, p: number, n: number, live: Map<number, number>): FuzzRun | null {
  if (p === 0) return null;
  const brk = heap.stats().heapSize;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p % 8 !== 0 || p + n > brk) {
    return { outcome: 'wrong-pointer', detail: `returned ${p} for ${n} bytes (break ${brk})` };
  }
  for (const [q, m] of live) {
    if (p < q + Math.max(m, 1) && q < p + Math.max(n, 1)) return { outcome: 'overlap', detail: `[${p}, +${n}) overlaps live [${q}, +${m})` };
  }
  return null;
}

/**
 * A textbook two-level segregated fit (Masmano, Ripoll, Crespo, Real, 2004) in plain JS, as a
 * reference column of the benchmark: the algorithm of heapflow's tlsf and nothing else. No
 * integrity checks, no statistics counters, no requested sizes, no events, no work counts, no
 * growth (one fixed buffer), realloc always moves. What heapflow:tlsf costs beyond this column is
 * the price of those; what this column costs beyond glibc is the price of the algorithm in JS.
 *
 * Same mapping as src/alloc/tlsf/layout.ts (8-byte steps below 256 bytes, then 32 lists per
 * power of two), boundary tags (header size | USED 1 | PREV_USED 2, footer on free blocks),
 * immediate coalescing, good fit through the two bitmap levels. Metadata at the start of the
 * buffer: word 0 the first-level bitmap, words 1..FL the second-level bitmaps, then the heads.
 */
import type { Adapter } from './adapters.js';

const SL_BITS = 5;
const SMALL = 256;
const FL_SHIFT = 7;
const FL_COUNT = 25;
const HEADS = 1 + FL_COUNT;
/** Metadata words, rounded so that the first block's payload is 8-aligned. */
const META_BYTES = (HEADS + FL_COUNT * 32) * 4 + 8;

function listOf(size: number): number {
  if (size < SMALL) return size >>> 3;
  const k = 31 - Math.clz32(size);
  return ((k - FL_SHIFT) << SL_BITS) | ((size >>> (k - SL_BITS)) & 31);
}

/** The first list all of whose blocks hold `size`. */
function searchListOf(size: number): number {
  if (size < SMALL) return size >>> 3;
  const k = 31 - Math.clz32(size);
  return listOf(size + (1 << (k - SL_BITS)) - 1);
}

class TextbookTlsf {
  readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  /** The break: the sentinel (size 0, USED) sits at brk - 8. */
  brk: number;

  constructor(bytes: number) {
    this.u32 = new Uint32Array(bytes >>> 2);
    this.u8 = new Uint8Array(this.u32.buffer);
    this.brk = META_BYTES + 8;
    this.u32[META_BYTES >>> 2] = 3;
  }

  private insert(b: number, i: number): void {
    const u = this.u32;
    const h = u[HEADS + i] as number;
    u[(b + 4) >>> 2] = h;
    u[(b + 8) >>> 2] = 0;
    if (h !== 0) u[(h + 8) >>> 2] = b;
    else {
      u[1 + (i >>> 5)] |= 1 << (i & 31);
      u[0] |= 1 << (i >>> 5);
    }
    u[HEADS + i] = b;
  }

  private remove(b: number, i: number): void {
    const u = this.u32;
    const n = u[(b + 4) >>> 2] as number;
    const p = u[(b + 8) >>> 2] as number;
    if (n !== 0) u[(n + 8) >>> 2] = p;
    if (p !== 0) u[(p + 4) >>> 2] = n;
    else {
      u[HEADS + i] = n;
      if (n === 0) {
        const m = (u[1 + (i >>> 5)] as number) & ~(1 << (i & 31));
        u[1 + (i >>> 5)] = m;
        if (m === 0) u[0] &= ~(1 << (i >>> 5));
      }
    }
  }

  private firstFrom(i: number): number {
    const u = this.u32;
    let fl = i >>> 5;
    let m = (u[1 + fl] as number) & (-1 << (i & 31));
    if (m === 0) {
      const f = (u[0] as number) & (-1 << (fl + 1));
      if (f === 0) return -1;
      fl = 31 - Math.clz32(f & -f);
      m = u[1 + fl] as number;
    }
    return (fl << 5) | (31 - Math.clz32(m & -m));
  }

  malloc(n: number): number {
    const u = this.u32;
    const size = n <= 8 ? 16 : (n + 15) & ~7;
    let i = listOf(size);
    let b = u[HEADS + i] as number;
    if (b === 0 || ((u[b >>> 2] as number) & ~7) < size) {
      i = this.firstFrom(size < SMALL ? i + 1 : searchListOf(size));
      if (i < 0) return this.fromTop(size);
      b = u[HEADS + i] as number;
    }
    const h = u[b >>> 2] as number;
    const have = h & ~7;
    this.remove(b, listOf(have));
    const rest = have - size;
    if (rest >= 16) {
      u[b >>> 2] = size | 1 | (h & 2);
      const r = b + size;
      u[r >>> 2] = rest | 2;
      u[(r + rest - 4) >>> 2] = rest;
      this.insert(r, listOf(rest));
    } else {
      u[b >>> 2] = have | 1 | (h & 2);
      u[(b + have) >>> 2] |= 2;
    }
    return b + 8;
  }

  /** A new block at the sentinel, the break raised past it (the free top is not merged: textbook). */
  private fromTop(size: number): number {
    const u = this.u32;
    const b = this.brk - 8;
    if (b + size + 8 > u.length * 4) return 0;
    u[b >>> 2] = size | 1 | ((u[b >>> 2] as number) & 2);
    u[(b + size) >>> 2] = 3;
    this.brk = b + size + 8;
    return b + 8;
  }

  free(p: number): void {
    const u = this.u32;
    let b = p - 8;
    const h = u[b >>> 2] as number;
    let size = h & ~7;
    const next = b + size;
    const nh = u[next >>> 2] as number;
    if ((nh & 1) === 0) {
      this.remove(next, listOf(nh & ~7));
      size += nh & ~7;
    }
    if ((h & 2) === 0) {
      const ps = u[(b - 4) >>> 2] as number;
      b -= ps;
      this.remove(b, listOf(ps));
      size += ps;
    }
    u[b >>> 2] = size | 2;
    u[(b + size - 4) >>> 2] = size;
    u[(b + size) >>> 2] &= ~2;
    this.insert(b, listOf(size));
  }

  realloc(p: number, n: number): number {
    const q = this.malloc(n);
    if (q === 0) return 0;
    const old = ((this.u32[(p - 8) >>> 2] as number) & ~7) - 8;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.free(p);
    return q;
  }
}

export const textbookTlsfAdapter: Adapter = {
  name: 'textbook-tlsf',
  kind: 'ref',
  notes: 'textbook TLSF in plain JS: the algorithm of heapflow:tlsf without checks, counters or growth (a reference)',
  create(heapBytes) {
    const h = new TextbookTlsf(heapBytes + META_BYTES + 16);
    return {
      mem: h.u8,
      malloc: (n: number) => h.malloc(n),
      free: (p: number) => h.free(p),
      realloc: (p: number, n: number) => h.realloc(p, n),
      extent: () => h.brk - META_BYTES,
    };
  },
};

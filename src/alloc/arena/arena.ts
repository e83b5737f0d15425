/**
 * The arena (see layout.ts): bump allocation, freed by region.
 *
 * malloc(n):      block at bump, bump += size ─▶ past the break? raise it (to a page)
 * free(p):        validated, then nothing: the block lives until release/reset covers it
 * realloc(p, n):  the last block (if after the last mark) grows or shrinks in place; another block
 *                 shrinks in place or moves (a copy: the old block stays until released)
 * mark():         the allocation point;  release(mark): bump = mark, the blocks above it
 *                 are gone (counted one by one);  reset(): release(heapStart)
 *
 * Work: one unit per malloc, free and realloc; release counts one per block released.
 */
import { InvalidPointerError, type HeapError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countResize } from '../counters.js';
import { badPointerValue } from '../views.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { blockSizeFor, Arena } from './layout.js';
import { checkArena, walkArena } from './walk.js';
import { checkedBreak, corrupt, damagedOr } from '../integrity.js';
import type { PolicyInternals } from '../../base/internals.js';
import { arenaInternals } from './internals.js';

export const ARENA_POLICY_ID = 15;

/** The break rises by whole steps of this many bytes (or what a block needs), so that small blocks do not each move it. */
const GROW_STEP = 4096;

export class ArenaAllocator extends PolicyBase implements AllocatorPolicy {
  readonly policyId = ARENA_POLICY_ID;
  readonly name = 'arena';
  readonly metadataBytes = Arena.POLICY_WORDS * 4;


  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  format(heapStart: number, _options: PolicyOptions): void {
    this.heapStart = heapStart;
    this.u32.fill(0, this.pm, this.pm + Arena.POLICY_WORDS);
    this.u32[this.pm + Arena.P_BUMP] = heapStart;
    this.u32[this.pm + Arena.P_LAST_MARK] = heapStart;
    this.os.lowerBreak(this.u32, this.f64, heapStart);
    this.sync();
  }


  get bump(): number {
    return this.u32[this.pm + Arena.P_BUMP];
  }

  /** The allocation point a new block goes at, checked: 8-aligned, between the heap start and the break. */
  private allocationPoint(): number {
    const b = this.u32[this.pm + Arena.P_BUMP];
    if (b < this.heapStart || b > this.u32[this.hw + Hdr.W_BRK] || (b & 7) !== 0) {
      throw corrupt(b, `corrupted arena metadata: the allocation point ${b} is not an 8-aligned offset in [${this.heapStart}, ${this.u32[this.hw + Hdr.W_BRK]}]`);
    }
    return b;
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    const size = blockSizeFor(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: size });
    this.work += 1;
    const b = this.allocationPoint();
    const grew = this.reach(b + size);
    if (grew < 0) return 0;
    return this.place(b, size, n, grew === 1);
  }

  /** Makes the break at least `end` (rising by a step); -1: no room, 0: it was, 1: it rose. */
  private reach(end: number): number {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    if (end <= brk) return 0;
    const maxSize = this.f64[this.hf + Hdr.F_MAX_SIZE];
    const step = Math.max(end, Math.min(maxSize, Math.ceil(end / GROW_STEP) * GROW_STEP));
    if (!this.os.raiseBreak(this.u32, this.f64, step) && !this.os.raiseBreak(this.u32, this.f64, end)) return -1;
    this.sync();
    if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: this.u32[this.hw + Hdr.W_BRK], backing: this.os.backing.byteLength });
    return 1;
  }

  /** Writes the block of `size` bytes for n at b, moves bump past it, counts it. */
  private place(b: number, size: number, n: number, grew: boolean): number {
    const u32 = this.u32;
    u32[b >>> 2] = size | Arena.USED;
    u32[(b + 4) >>> 2] = n;
    u32[this.pm + Arena.P_BUMP] = b + size;
    countAlloc(u32, this.f64, this.hw, this.hf, n, size, grew);
    if (this.listener !== null) this.emit({ type: 'done', ptr: b + Arena.HEADER, size, reused: !grew });
    return b + Arena.HEADER;
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    const size = blockSizeFor(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: size });
    this.work += 1;
    const b = this.allocationPoint();
    // a pad block before the block puts its payload on the alignment
    const pad = Math.ceil((b + Arena.HEADER) / alignment) * alignment - Arena.HEADER - b;
    const grew = this.reach(b + pad + size);
    if (grew < 0) return 0;
    if (pad !== 0) {
      this.u32[b >>> 2] = pad | Arena.PAD;
      this.u32[(b + 4) >>> 2] = 0;
    }
    return this.place(b + pad, size, n, grew === 1);
  }

  // ───────────────────────────────────────────── free, realloc

  /** Validates p as a block this arena returned and has not released; returns the block. */
  private blockOf(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const bump = this.bump;
    const b = p - Arena.HEADER;
    const h = this.u32[b >>> 2];
    const size = h & ~Arena.TAG_MASK;
    const slack = size - Arena.HEADER - this.u32[(b + 4) >>> 2];
    // integrity: the allocation point lies below the break (else the header's break word is damaged)
    if (p < this.heapStart + Arena.HEADER || p >= bump || bump > this.u32[this.hw + Hdr.W_BRK] || (h & Arena.TAG_MASK) !== Arena.USED || size < Arena.MIN_BLOCK || b + size > bump
      || slack < 0 || slack > Arena.MAX_SLACK) throw this.badBlock(op, p);
    return b;
  }

  /** The error for a pointer blockOf refused (out of line): damage (damagedOr) or an invalid pointer. */
  private badBlock(op: string, p: number): HeapError {
    const bump = this.bump;
    const refusal = (): HeapError => {
      if (p >= bump && p < this.u32[this.hw + Hdr.W_BRK] + Arena.HEADER) {
        return new InvalidPointerError(op, p, `above the arena's allocation point ${bump}: never returned, or released by release()/reset()`);
      }
      if (p < this.heapStart + Arena.HEADER || p >= bump) return new InvalidPointerError(op, p, `outside the arena's blocks [${this.heapStart + Arena.HEADER}, ${bump})`);
      return new InvalidPointerError(op, p, 'not the start of a block this arena returned');
    };
    return damagedOr(() => this.check(), refusal());
  }

  /** Allowed, and does nothing: an arena frees by region (release, reset). The pointer is still checked. */
  free(p: number): void {
    this.work += 1;
    this.blockOf('free', p);
  }

  realloc(p: number, n: number): number {
    this.work += 1;
    const b = this.blockOf('realloc', p);
    const u32 = this.u32;
    const size = u32[b >>> 2] & ~Arena.TAG_MASK;
    const old = u32[(b + 4) >>> 2];
    const want = blockSizeFor(n);
    if (b + size === this.bump && b >= u32[this.pm + Arena.P_LAST_MARK]) {
      // the last block, allocated after the last mark: bump moves with it
      if (this.reach(b + want) < 0) return 0;
      this.u32[b >>> 2] = want | Arena.USED;
      this.u32[this.pm + Arena.P_BUMP] = b + want;
    } else if (want < size) {
      // a block inside: shrinks in place, the rest becomes padding
      u32[b >>> 2] = want | Arena.USED;
      u32[(b + want) >>> 2] = (size - want) | Arena.PAD;
      u32[(b + want + 4) >>> 2] = 0;
    } else if (want > size) {
      const q = this.malloc(n);
      if (q === 0) return 0;
      this.u8.copyWithin(q, p, p + Math.min(old, n));
      if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: q, inPlace: false });
      return q;
    }
    this.u32[(b + 4) >>> 2] = n;
    countResize(this.u32, this.hw, old, n, size, want);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
    return p;
  }

  usableSize(p: number): number {
    const b = this.blockOf('usableSize', p);
    return (this.u32[b >>> 2] & ~Arena.TAG_MASK) - Arena.HEADER;
  }

  // ───────────────────────────────────────────── regions

  mark(): number {
    const m = this.bump;
    this.u32[this.pm + Arena.P_LAST_MARK] = m;
    return m;
  }

  release(mark: number): void {
    const bump = this.bump;
    if (mark > bump) throw new RangeError(`release: mark ${mark} is above the allocation point ${bump} (released already, or not a mark)`);
    if (mark < this.heapStart || mark % 8 !== 0 || (mark < bump && !this.isBlockStart(mark))) {
      throw new RangeError(`release: ${mark} is not a mark of this arena (take one with mark())`);
    }
    this.releaseTo(mark);
  }

  reset(): void {
    this.releaseTo(this.heapStart);
  }

  /** Whether a block or pad header sits at m (a cheap test: its tag, and a size that stays below bump). */
  private isBlockStart(m: number): boolean {
    const h = this.u32[m >>> 2];
    const tag = h & Arena.TAG_MASK;
    return (tag === Arena.USED || tag === Arena.PAD) && (h & ~Arena.TAG_MASK) >= 8 && m + (h & ~Arena.TAG_MASK) <= this.bump;
  }

  /** Frees every block from `mark` up: counted one by one, then the break comes down to a step above mark. */
  private releaseTo(mark: number): void {
    const u32 = this.u32;
    const bump = this.bump;
    let blocks = 0;
    let liveBytes = 0;
    let usedBytes = 0;
    for (let b = mark; b < bump;) {
      const h = u32[b >>> 2];
      const size = h & ~Arena.TAG_MASK;
      if ((h & Arena.TAG_MASK) === Arena.USED) {
        blocks++;
        liveBytes += u32[(b + 4) >>> 2];
        usedBytes += size;
      }
      b += size;
    }
    this.work += blocks;
    u32[this.hw + Hdr.W_LIVE_BYTES] -= liveBytes;
    u32[this.hw + Hdr.W_USED_BYTES] -= usedBytes;
    this.f64[this.hf + Hdr.F_FREES] += blocks;
    u32[this.pm + Arena.P_BUMP] = mark;
    if (u32[this.pm + Arena.P_LAST_MARK] > mark) u32[this.pm + Arena.P_LAST_MARK] = mark;
    if (this.listener !== null) this.emit({ type: 'arena-release', mark, from: bump, blocks });
    const keep = Math.ceil(mark / GROW_STEP) * GROW_STEP;
    if (keep < u32[this.hw + Hdr.W_BRK]) this.lowerTo(keep);
  }

  // ───────────────────────────────────────────── trim, inspection

  trim(pad: number): number {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    const end = this.bump + Math.ceil(pad / 8) * 8;
    if (end >= brk) return 0;
    this.lowerTo(end);
    return brk - end;
  }

  private lowerTo(end: number): void {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    this.os.lowerBreak(this.u32, this.f64, end);
    this.sync();
    if (this.listener !== null) this.emit({ type: 'trim', from: brk, to: end, released: brk - end });
  }

  check(): void {
    checkArena(this);
  }

  blocks(): BlockInfo[] {
    return walkArena(this);
  }

  internals(): PolicyInternals {
    return arenaInternals(this);
  }

  usage(): PolicyUsage {
    const rest = checkedBreak(this.u32, this.hw, Hdr.W_BRK) - this.bump;
    return { usedBytes: this.u32[this.hw + Hdr.W_USED_BYTES], freeBytes: rest, freeBlocks: rest > 0 ? 1 : 0, largestFreeBlock: rest };
  }

  maxRequest(): number {
    return Math.max(0, Math.min(2 ** 32 - 2 ** 16, this.f64[this.hf + Hdr.F_MAX_SIZE] - this.heapStart - Arena.HEADER - 8));
  }
}


export const arenaPolicy: PolicyFactory = {
  policyId: ARENA_POLICY_ID,
  name: 'arena',
  kind: 'arena',
  metadataBytes: Arena.POLICY_WORDS * 4,
  create: (os) => new ArenaAllocator(os),
};

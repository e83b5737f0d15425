/**
 * The binary buddy system (see layout.ts for the blocks and invariants).
 *
 * malloc(n):  order k = ceil(log2(n + 8)) ─▶ bitmap: lowest non-empty order j >= k
 *               │ found                         │ none
 *               ▼                               ▼
 *             pop, split j → k (upper halves    grow the space: fill up to an offset
 *             go free, one per order)           aligned to 2^k, then add the block
 *
 * free(p):    validate ─▶ while the buddy (offset ^ 2^k) is free of order k: merge ─▶ list
 *             ─▶ trim when the merged block is the top one and bigger than trimThreshold
 *
 * Work: one unit for the bitmap word, one per list popped, per split and per buddy
 * examined: at most about 2 * (MAX_ORDER - MIN_ORDER) whatever the heap holds.
 */
import { DoubleFreeError, InvalidPointerError, type HeapError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countFree, countResize } from '../counters.js';
import { badPointerValue } from '../views.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { freeHeader, isHeader, orderFor, orderOf, Buddy } from './layout.js';
import { checkBuddy, walkBuddy } from './walk.js';
import { badLinksOf, checkedBreak, corrupt, damagedOr } from '../integrity.js';
import type { PolicyInternals } from '../../base/internals.js';
import { buddyInternals } from './internals.js';

export const BUDDY_POLICY_ID = 13;

export class BuddyAllocator extends PolicyBase implements AllocatorPolicy {
  readonly policyId = BUDDY_POLICY_ID;
  readonly name = 'buddy';
  readonly metadataBytes = Buddy.POLICY_WORDS * 4;

  private grew = false;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  /** The buddy space's start, the heap start (offsets are relative to it). */
  get base(): number {
    return this.heapStart;
  }

  format(heapStart: number, _options: PolicyOptions): void {
    this.heapStart = heapStart;
    this.u32.fill(0, this.pm, this.pm + Buddy.POLICY_WORDS);
    this.os.lowerBreak(this.u32, this.f64, heapStart); // the space starts empty
    this.sync();
  }


  /** Bytes in the space: its end, relative to the base. */
  private spaceSize(): number {
    return this.u32[this.hw + Hdr.W_BRK] - this.base;
  }

  // ───────────────────────────────────────────── free lists

  /** Pushes the free block at absolute offset b, of order k, on its list (header written). */
  private push(b: number, k: number): void {
    const u32 = this.u32;
    const hi = this.pm + Buddy.P_HEADS + k;
    const h = u32[hi];
    // integrity: the head is a free block of this order at the front of its list
    if (h !== 0 && (u32[h >>> 2] !== freeHeader(k) || u32[(h + 8) >>> 2] !== 0)) throw this.badListed(h, k);
    u32[b >>> 2] = freeHeader(k);
    u32[(b + 4) >>> 2] = h;
    u32[(b + 8) >>> 2] = 0;
    if (h !== 0) u32[(h + 8) >>> 2] = b;
    u32[hi] = b;
    u32[this.pm + Buddy.P_BITMAP] |= 1 << k;
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
  }

  private unlink(b: number, k: number): void {
    const u32 = this.u32;
    const n = u32[(b + 4) >>> 2];
    const p = u32[(b + 8) >>> 2];
    if (!this.linksAgree(b, k)) throw badLinksOf(u32, b, `order ${k}`);
    if (p !== 0) u32[(p + 4) >>> 2] = n;
    else {
      u32[this.pm + Buddy.P_HEADS + k] = n;
      if (n === 0) u32[this.pm + Buddy.P_BITMAP] &= ~(1 << k);
    }
    if (n !== 0) u32[(n + 8) >>> 2] = p;
    u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
  }

  /** Safe unlinking: free block b's neighbours on the list of order k (or its head) point back at it. */
  private linksAgree(b: number, k: number): boolean {
    const u32 = this.u32;
    const n = u32[(b + 4) >>> 2];
    const p = u32[(b + 8) >>> 2];
    return (n === 0 || u32[(n + 8) >>> 2] === b) && (p !== 0 ? u32[(p + 4) >>> 2] : u32[this.pm + Buddy.P_HEADS + k]) === b;
  }

  /** Whether b can be a free block of order k in the space: aligned to its size, inside it, its header saying so. */
  private isFreeBlock(b: number, k: number): boolean {
    const rel = b - this.base;
    return rel >= 0 && rel % 2 ** k === 0 && b + 2 ** k <= this.u32[this.hw + Hdr.W_BRK] && this.u32[b >>> 2] === freeHeader(k);
  }

  /** The list of order k holds b, which is not a free block of that order (or its links disagree). */
  private badListed(b: number, k: number): HeapError {
    const w = this.u32[b >>> 2];
    if (!this.isFreeBlock(b, k)) {
      return corrupt(b, `corrupted free list (order ${k}): it holds ${b}, whose header is `
        + `${w === undefined ? 'outside the heap' : `${w}${isHeader(w) ? ` (order ${orderOf(w)}, kind ${(w & Buddy.KIND_MASK) >>> 8})` : ' (no block header)'}`}`);
    }
    return badLinksOf(this.u32, b, `order ${k}`);
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    const k = orderFor(n + Buddy.HEADER);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: 2 ** k });
    const b = this.allocBlock(k);
    if (b === 0) return 0;
    return this.finishAlloc(b, b, n, k);
  }

  /** Writes the payload header at h (= ptr - 8) of block b of order k, counts it. */
  private finishAlloc(b: number, h: number, n: number, k: number): number {
    const u32 = this.u32;
    u32[h >>> 2] = (Buddy.MAGIC | Buddy.USED | (h !== b ? Buddy.INNER : 0) | k) >>> 0;
    u32[(h + 4) >>> 2] = n;
    countAlloc(u32, this.f64, this.hw, this.hf, n, 2 ** k, this.grew);
    if (this.listener !== null) this.emit({ type: 'done', ptr: h + Buddy.HEADER, size: 2 ** k, reused: !this.grew });
    return h + Buddy.HEADER;
  }

  /** A block of order k taken off the free lists (split as needed) or added by growing the space, or 0. */
  private allocBlock(k: number): number {
    this.grew = false;
    this.work += 1; // the bitmap word
    const b = this.takeFree(k);
    if (b !== 0) return b;
    return k <= Buddy.MAX_ORDER ? this.grow(k) : 0;
  }

  /** The lowest free block of order >= k, split down to k; 0 if there is none. */
  private takeFree(k: number): number {
    const u32 = this.u32;
    const above = u32[this.pm + Buddy.P_BITMAP] & ~((2 ** k - 1) | 0);
    if (k > Buddy.MAX_ORDER || above === 0) return 0;
    let j = 31 - Math.clz32(above & -above);
    const b = u32[this.pm + Buddy.P_HEADS + j];
    if (b === 0) throw corrupt(b, `corrupted bitmap: the bit of order ${j} says its list is non-empty, its head is empty`);
    if (!this.isFreeBlock(b, j)) throw this.badListed(b, j);
    this.unlink(b, j);
    this.work += 1 + j - k;
    while (j > k) {
      j--;
      this.push(b + 2 ** j, j);
      if (this.listener !== null) this.emit({ type: 'buddy-split', block: b, order: j + 1, buddy: b + 2 ** j });
    }
    return b;
  }

  /**
   * Grows the space for a block of order k: first up to an offset aligned to 2^k (the gap
   * becomes free blocks, which merge with free blocks below them as they can); if that made
   * a free block of order k, it is taken, otherwise the block is added after the gap. When
   * the second step fails, the first stays: free blocks at the top, which trim() gives back.
   */
  private grow(k: number): number {
    const size = 2 ** k;
    const s = this.spaceSize();
    const x = Math.ceil(s / size) * size;
    if (x > s) {
      if (!this.raiseTo(x)) return 0;
      this.fillGap(s, x);
      const b = this.takeFree(k);
      if (b !== 0) return b;
    }
    return this.raiseTo(x + size) ? this.base + x : 0;
  }

  /** Raises the break to the space offset `end`; whether it could. */
  private raiseTo(end: number): boolean {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    if (!this.os.raiseBreak(this.u32, this.f64, this.base + end)) return false;
    this.sync();
    this.grew = true;
    if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: this.base + end, backing: this.os.backing.byteLength });
    return true;
  }

  /** Free blocks over [s, x) (offsets), each as large as its alignment allows, merged with free buddies below. */
  private fillGap(s: number, x: number): void {
    let at = s;
    while (at < x) {
      let j = Buddy.MIN_ORDER;
      while (j < Buddy.MAX_ORDER && at % 2 ** (j + 1) === 0 && at + 2 ** (j + 1) <= x) j++;
      // blocks above `at` are not made yet: their bytes are stale, never a buddy to merge with
      this.freeBlock(this.base + at, j, false, at + 2 ** j);
      at += 2 ** j;
    }
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    // room for a lead header, the payload header and an aligned payload anywhere in the block
    const k = orderFor(n + alignment + Buddy.HEADER);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: 2 ** k });
    const b = this.allocBlock(k);
    if (b === 0) return 0;
    const p = Math.ceil((b + 2 * Buddy.HEADER) / alignment) * alignment;
    if (p === b + Buddy.HEADER) {
      // aligned at the block's own payload: a plain block of the order n needs, the rest free
      const want = orderFor(n + Buddy.HEADER);
      this.u32[b >>> 2] = (Buddy.MAGIC | Buddy.USED | want) >>> 0;
      this.freeUpperHalves(b, want, k);
      return this.finishAlloc(b, b, n, want);
    }
    const h = p - Buddy.HEADER;
    this.u32[b >>> 2] = (Buddy.MAGIC | Buddy.USED | Buddy.LEAD | k) >>> 0;
    this.u32[(b + 4) >>> 2] = h - b;
    return this.finishAlloc(b, h, n, k);
  }

  // ───────────────────────────────────────────── free

  /**
   * Validates p as a live block's pointer; returns the payload header (p - 8). Throws,
   * changing nothing, otherwise.
   */
  private headerOf(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const h = p - Buddy.HEADER;
    const w = this.u32[h >>> 2];
    const kind = w & Buddy.KIND_MASK;
    if (p < this.base + Buddy.HEADER || p >= this.u32[this.hw + Hdr.W_BRK] || !isHeader(w) || kind === 0 || kind === Buddy.GONE
      || this.blockOf(h, w) < 0) throw this.badHeader(op, p);
    return h;
  }

  /**
   * The error for a pointer headerOf refused (out of line): a double free when p is the
   * pointer freed last or its header says free or gone; HeapCorruptionError when the heap's
   * metadata is damaged (damagedOr); else InvalidPointerError naming what is wrong.
   */
  private badHeader(op: string, p: number): HeapError {
    const refusal = (): HeapError => {
      const brk = this.u32[this.hw + Hdr.W_BRK];
      if (p === this.u32[this.pm + Buddy.P_LAST_FREED]) return new DoubleFreeError(op, p);
      if (p < this.base + Buddy.HEADER || p >= brk) {
        return new InvalidPointerError(op, p, `outside the heap's blocks [${this.base + Buddy.HEADER}, ${brk})`);
      }
      const w = this.u32[(p - Buddy.HEADER) >>> 2];
      if (!isHeader(w)) return new InvalidPointerError(op, p, 'not the start of a block (no block header before it)');
      const kind = w & Buddy.KIND_MASK;
      if (kind === 0 || kind === Buddy.GONE) return new DoubleFreeError(op, p);
      return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with its block)');
    };
    return damagedOr(() => this.check(), refusal());
  }

  /** The block of the payload header h (word w), or -1 when the header and its block disagree. */
  private blockOf(h: number, w: number): number {
    const k = orderOf(w);
    const size = 2 ** k;
    const rel = h - this.base;
    const b = this.base + rel - (rel % size);
    const kind = w & Buddy.KIND_MASK;
    const req = this.u32[(h + 4) >>> 2];
    if (k < Buddy.MIN_ORDER || b + size > this.u32[this.hw + Hdr.W_BRK]) return -1;
    if (kind === Buddy.USED) {
      if (b !== h) return -1;
      // a block is the smallest order that holds its request
      if (req + Buddy.HEADER > size || (k > Buddy.MIN_ORDER && req + Buddy.HEADER <= size / 2)) return -1;
      return b;
    }
    if (kind !== (Buddy.USED | Buddy.INNER) || b === h) return -1;
    if (this.u32[b >>> 2] !== ((Buddy.MAGIC | Buddy.USED | Buddy.LEAD | k) >>> 0) || this.u32[(b + 4) >>> 2] !== h - b) return -1;
    if (req > b + size - h - Buddy.HEADER) return -1;
    return b;
  }

  free(p: number): void {
    this.work += 1;
    const h = this.headerOf('free', p);
    this.releaseBlock(h);
  }

  private releaseBlock(h: number): void {
    const u32 = this.u32;
    const w = u32[h >>> 2];
    const k = orderOf(w);
    const b = this.blockOf(h, w);
    countFree(u32, this.f64, this.hw, this.hf, u32[(h + 4) >>> 2], 2 ** k);
    u32[this.pm + Buddy.P_LAST_FREED] = h + Buddy.HEADER;
    if (this.listener !== null) this.emit({ type: 'free', ptr: h + Buddy.HEADER, size: 2 ** k });
    if (h !== b) u32[h >>> 2] = (Buddy.MAGIC | Buddy.GONE | k) >>> 0;
    this.freeBlock(b, k, true);
  }

  /**
   * Makes block b of order k free, merging it with its free buddies below `space` (an
   * offset: the space's end, or as far as blocks exist while the space grows); with
   * mayTrim, gives the merged block back when it ends the space and passes trimThreshold.
   */
  private freeBlock(b: number, k: number, mayTrim: boolean, space = this.spaceSize()): void {
    const u32 = this.u32;
    let rel = b - this.base;
    while (k < Buddy.MAX_ORDER) {
      const size = 2 ** k;
      const buddy = rel % (2 * size) === 0 ? rel + size : rel - size;
      this.work += 1;
      if (buddy + size > space || u32[(this.base + buddy) >>> 2] !== freeHeader(k)) break;
      this.unlink(this.base + buddy, k);
      const upper = Math.max(rel, buddy);
      rel = Math.min(rel, buddy);
      u32[(this.base + upper) >>> 2] = (Buddy.MAGIC | Buddy.GONE | k) >>> 0;
      k++;
      if (this.listener !== null) this.emit({ type: 'buddy-merge', block: this.base + rel, order: k, buddy: this.base + upper });
    }
    this.push(this.base + rel, k);
    if (mayTrim && rel + 2 ** k === space && 2 ** k > u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trimTop(0);
  }

  // ───────────────────────────────────────────── realloc

  realloc(p: number, n: number): number {
    this.work += 1;
    const h = this.headerOf('realloc', p);
    const u32 = this.u32;
    const w = u32[h >>> 2];
    const k = orderOf(w);
    const b = this.blockOf(h, w);
    const old = u32[(h + 4) >>> 2];
    if (h !== b) {
      // an aligned block: in place while it fits from the payload on, else moved
      if (n > b + 2 ** k - p) return this.reallocMove(h, p, n, old);
      u32[(h + 4) >>> 2] = n;
      countResize(u32, this.hw, old, n, 2 ** k, 2 ** k);
      return this.inPlace(p, n);
    }
    const want = orderFor(n + Buddy.HEADER);
    if (want > k && !this.absorbBuddies(b, k, want)) return this.reallocMove(h, p, n, old);
    u32[b >>> 2] = (Buddy.MAGIC | Buddy.USED | want) >>> 0;
    u32[(b + 4) >>> 2] = n;
    countResize(u32, this.hw, old, n, 2 ** k, 2 ** want);
    this.freeUpperHalves(b, want, k);
    return this.inPlace(p, n);
  }

  /**
   * Block b (its header already says order `want`) was of order k: the upper halves, one
   * per order from `want` to k-1, go free, lowest first so that every header on the way
   * is whole when the last one (the block's old end) may trim the top.
   */
  private freeUpperHalves(b: number, want: number, k: number): void {
    for (let j = want; j < k; j++) this.freeBlock(b + 2 ** j, j, j === k - 1);
  }

  private inPlace(p: number, n: number): number {
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
    return p;
  }

  /**
   * Grows block b from order k to `want` in place if each upper buddy on the way is a whole
   * free block (b must be the lower buddy at every order); whether it did.
   */
  private absorbBuddies(b: number, k: number, want: number): boolean {
    const u32 = this.u32;
    const rel = b - this.base;
    const space = this.spaceSize();
    for (let j = k; j < want; j++) {
      this.work += 1;
      if (rel % 2 ** (j + 1) !== 0 || rel + 2 ** (j + 1) > space || u32[(b + 2 ** j) >>> 2] !== freeHeader(j)) return false;
      // every buddy's links checked before the first is unlinked: nothing written on damage
      if (!this.linksAgree(b + 2 ** j, j)) throw badLinksOf(u32, b + 2 ** j, `order ${j}`);
    }
    for (let j = k; j < want; j++) {
      this.unlink(b + 2 ** j, j);
      u32[(b + 2 ** j) >>> 2] = (Buddy.MAGIC | Buddy.GONE | j) >>> 0;
      if (this.listener !== null) this.emit({ type: 'buddy-merge', block: b, order: j + 1, buddy: b + 2 ** j });
    }
    return true;
  }

  private reallocMove(h: number, p: number, n: number, old: number): number {
    // the old block stops counting as live first, so the peak is C's realloc's
    this.u32[this.hw + Hdr.W_LIVE_BYTES] -= old;
    const q = this.malloc(n);
    this.u32[this.hw + Hdr.W_LIVE_BYTES] += old;
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.releaseBlock(h);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: q, inPlace: false });
    return q;
  }

  usableSize(p: number): number {
    const h = this.headerOf('usableSize', p);
    const w = this.u32[h >>> 2];
    return this.blockOf(h, w) + 2 ** orderOf(w) - p;
  }

  // ───────────────────────────────────────────── trim, inspection

  trim(pad: number): number {
    const before = this.u32[this.hw + Hdr.W_BRK];
    this.trimTop(pad);
    return before - this.u32[this.hw + Hdr.W_BRK];
  }

  /**
   * Gives the free blocks at the top of the space back, keeping at least `pad` bytes of
   * them. Walks the space to find them (free headers elsewhere may be stale: only a walk
   * from the start knows where blocks begin).
   */
  private trimTop(pad: number): void {
    const blocks = walkBuddy(this);
    this.work += blocks.length;
    // integrity: the walk stops at a damaged header; trimming from there would cut live blocks off
    const last = blocks[blocks.length - 1];
    const reached = last === undefined ? this.base : last.offset + last.size;
    if (reached !== this.u32[this.hw + Hdr.W_BRK]) throw corrupt(reached, `corrupted block header: the walk from the start stops at ${reached}, short of the break`);
    let i = blocks.length;
    let kept = 0;
    while (i > 0 && (blocks[i - 1].state === 'free' || blocks[i - 1].state === 'top')) kept += blocks[--i].size;
    const brk = this.u32[this.hw + Hdr.W_BRK];
    let end = brk;
    for (let j = blocks.length - 1; j >= i && kept - blocks[j].size >= pad; j--) {
      this.unlink(blocks[j].offset, orderOf(this.u32[blocks[j].offset >>> 2]));
      kept -= blocks[j].size;
      end = blocks[j].offset;
    }
    if (end === brk) return;
    this.os.lowerBreak(this.u32, this.f64, end);
    this.sync();
    if (this.listener !== null) this.emit({ type: 'trim', from: brk, to: end, released: brk - end });
  }

  check(): void {
    checkBuddy(this);
  }

  blocks(): BlockInfo[] {
    return walkBuddy(this);
  }

  internals(): PolicyInternals {
    return buddyInternals(this);
  }

  usage(): PolicyUsage {
    const u32 = this.u32;
    const map = u32[this.pm + Buddy.P_BITMAP];
    const usedBytes = u32[this.hw + Hdr.W_USED_BYTES];
    return {
      usedBytes,
      freeBytes: checkedBreak(u32, this.hw, Hdr.W_BRK) - this.base - usedBytes,
      freeBlocks: u32[this.hw + Hdr.W_FREE_BLOCKS],
      largestFreeBlock: map === 0 ? 0 : 2 ** (31 - Math.clz32(map)),
    };
  }

  /** The largest block that fits under maxSize, less its header. */
  maxRequest(): number {
    const room = this.f64[this.hf + Hdr.F_MAX_SIZE] - this.u32[this.hw + Hdr.W_HEAP_START];
    return room < 2 ** Buddy.MIN_ORDER ? 0 : 2 ** Math.min(Buddy.MAX_ORDER, Math.floor(Math.log2(room))) - Buddy.HEADER;
  }
}


export const buddyPolicy: PolicyFactory = {
  policyId: BUDDY_POLICY_ID,
  name: 'buddy',
  kind: 'general',
  metadataBytes: Buddy.POLICY_WORDS * 4,
  create: (os) => new BuddyAllocator(os),
};

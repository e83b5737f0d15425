/**
 * The textbook fits over one explicit free list (see layout.ts for the blocks). The flow
 * is shared; a subclass (search.ts) says only which free chunk a request takes.
 *
 * malloc(n):  search the free list ─found─▶ unlink, split off the rest ─▶ done
 *               │ none                    (the rest takes the chunk's place on the list)
 *               ▼
 *             OS layer: raise the break (a free last chunk is extended)
 *
 * free(p):    validate ─▶ merge with free neighbours (boundary tags) ─▶ list head
 *             ─▶ trim if the top grew past trimThreshold
 *
 * The search examines up to every free chunk: its work grows with the free list, which is
 * what these policies are here to show (the bins of segfit and tlsf exist to avoid it).
 */
import { DoubleFreeError, InvalidPointerError, type HeapError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countFree, countResize } from '../counters.js';
import { badPointerValue } from '../views.js';
import type { AllocatorPolicy, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { chunkSizeFor, sizeOf, Fit } from './layout.js';
import { checkFits, walkFits } from './walk.js';
import { badLinksOf, checkedBreak, damagedOr, listLoops, walkBudget } from '../integrity.js';
import { badListed, badTags, freeTagsAgree, topStartOf } from '../boundary-tags.js';
import type { PolicyInternals } from '../../base/internals.js';
import { fitsInternals } from './internals.js';

export abstract class FitAllocator extends PolicyBase implements AllocatorPolicy {
  abstract readonly policyId: number;
  abstract readonly name: string;
  readonly metadataBytes = Fit.POLICY_WORDS * 4;

  /** Set by allocChunk: whether the break was raised for it. */
  private grew = false;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  /** The free chunk a request of csize bytes takes (still on the list), or 0; counts its work. */
  protected abstract search(csize: number): number;

  format(heapStart: number, _options: PolicyOptions): void {
    this.heapStart = heapStart;
    this.u32.fill(0, this.pm, this.pm + Fit.POLICY_WORDS);
    this.u32[heapStart >>> 2] = Fit.USED | Fit.PREV_USED; // the sentinel
    this.u32[(heapStart + 4) >>> 2] = 0;
  }


  // ───────────────────────────────────────────── the free list

  protected head(): number {
    return this.u32[this.pm + Fit.P_HEAD];
  }

  protected next(c: number): number {
    return this.u32[(c + 4) >>> 2];
  }

  /** Pushes free chunk c on the head of the list. */
  private listPush(c: number): void {
    const u32 = this.u32;
    const h = u32[this.pm + Fit.P_HEAD];
    // integrity: the head is at the front of the list (else its back link would be written anywhere)
    if (h !== 0 && u32[(h + 8) >>> 2] !== 0) throw badLinksOf(u32, h, 'the free list');
    u32[(c + 4) >>> 2] = h;
    u32[(c + 8) >>> 2] = 0;
    if (h !== 0) u32[(h + 8) >>> 2] = c;
    u32[this.pm + Fit.P_HEAD] = c;
  }

  /** Takes chunk c off the list; a rover on it moves to the next chunk. */
  private listRemove(c: number): void {
    const u32 = this.u32;
    const n = u32[(c + 4) >>> 2];
    const p = u32[(c + 8) >>> 2];
    if (!this.linksAgree(c, n, p)) throw badLinksOf(u32, c, 'the free list');
    if (p !== 0) u32[(p + 4) >>> 2] = n;
    else u32[this.pm + Fit.P_HEAD] = n;
    if (n !== 0) u32[(n + 8) >>> 2] = p;
    if (u32[this.pm + Fit.P_ROVER] === c) u32[this.pm + Fit.P_ROVER] = n;
  }

  /** Chunk r takes c's place on the list (a split's remainder), the rover included. */
  private listReplace(c: number, r: number): void {
    const u32 = this.u32;
    const n = u32[(c + 4) >>> 2];
    const p = u32[(c + 8) >>> 2];
    if (!this.linksAgree(c, n, p)) throw badLinksOf(u32, c, 'the free list');
    u32[(r + 4) >>> 2] = n;
    u32[(r + 8) >>> 2] = p;
    if (p !== 0) u32[(p + 4) >>> 2] = r;
    else u32[this.pm + Fit.P_HEAD] = r;
    if (n !== 0) u32[(n + 8) >>> 2] = r;
    if (u32[this.pm + Fit.P_ROVER] === c) u32[this.pm + Fit.P_ROVER] = r;
  }

  /** Writes the boundary tags of free chunk c (header with P set, footer) and clears the next chunk's P bit. */
  private tagFree(c: number, size: number): void {
    const u32 = this.u32;
    u32[c >>> 2] = size | Fit.PREV_USED;
    u32[(c + size - 4) >>> 2] = size;
    u32[(c + size) >>> 2] &= ~Fit.PREV_USED;
  }

  private sentinel(): number {
    return this.u32[this.hw + Hdr.W_BRK] - 8;
  }

  // ───────────────────────────────────────────── integrity (inline comparisons; errors out of line)

  /** Safe unlinking: listed chunk c's neighbours n and p (or the list head) point back at it. */
  private linksAgree(c: number, n: number, p: number): boolean {
    const u32 = this.u32;
    return (n === 0 || u32[(n + 8) >>> 2] === c) && (p !== 0 ? u32[(p + 4) >>> 2] : u32[this.pm + Fit.P_HEAD]) === c;
  }

  /** Whether [c, c+size) can be a free chunk of this heap (boundary-tags.ts). */
  private tagsAgree(c: number, size: number): boolean {
    return freeTagsAgree(this.u32, c, size, this.heapStart, this.sentinel());
  }

  /** How many chunks a walk of the free list may visit before it must be looping. */
  protected listBudget(): number {
    return walkBudget(this.heapStart, this.sentinel(), Fit.MIN_CHUNK);
  }

  protected listLoops(c: number): HeapError {
    return listLoops('the free list', c);
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    const csize = chunkSizeFor(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: csize });
    const c = this.allocChunk(csize);
    return c === 0 ? 0 : this.finishAlloc(c, n);
  }

  /** Marks a chunk from allocChunk as holding n bytes, counts it, returns the payload pointer. */
  private finishAlloc(c: number, n: number): number {
    const u32 = this.u32;
    u32[(c + 4) >>> 2] = n;
    const size = sizeOf(u32[c >>> 2]);
    countAlloc(u32, this.f64, this.hw, this.hf, n, size, this.grew);
    if (this.listener !== null) this.emit({ type: 'done', ptr: c + Fit.HEADER, size, reused: !this.grew });
    return c + Fit.HEADER;
  }

  /** A used chunk of at least csize bytes, from the list or the top, or 0. Sets this.grew. */
  private allocChunk(csize: number): number {
    this.grew = false;
    const before = this.work;
    const f = this.search(csize);
    if (this.listener !== null) this.emit({ type: 'fit-search', size: csize, examined: this.work - before, found: f });
    if (f !== 0) {
      const size = sizeOf(this.u32[f >>> 2]);
      if (size < csize || !this.tagsAgree(f, size)) throw badListed(this.u32, f, 'the free list', (s) => s >= csize);
      return this.useFree(f, size, csize);
    }
    const c = this.extendTop(csize);
    return c === 0 ? 0 : this.useChunk(c, sizeOf(this.u32[c >>> 2]), csize);
  }

  /** Takes listed free chunk c of `size` for csize bytes: the remainder (if a chunk) keeps c's place on the list. */
  private useFree(c: number, size: number, csize: number): number {
    const u32 = this.u32;
    const rest = size - csize;
    if (rest >= Fit.MIN_CHUNK) {
      u32[c >>> 2] = csize | Fit.USED | (u32[c >>> 2] & Fit.PREV_USED);
      const r = c + csize;
      this.listReplace(c, r);
      this.tagFree(r, rest);
      if (this.listener !== null) this.emit({ type: 'split', block: c + Fit.HEADER, size: csize, remainder: rest });
    } else {
      this.listRemove(c);
      u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
      u32[c >>> 2] = size | Fit.USED | (u32[c >>> 2] & Fit.PREV_USED);
      u32[(c + size) >>> 2] |= Fit.PREV_USED;
    }
    return c;
  }

  /** Marks unlisted free chunk c of `size` used for csize bytes; a remainder becomes a listed free chunk. */
  private useChunk(c: number, size: number, csize: number): number {
    const u32 = this.u32;
    const prevBit = u32[c >>> 2] & Fit.PREV_USED;
    const rest = size - csize;
    if (rest >= Fit.MIN_CHUNK) {
      u32[c >>> 2] = csize | Fit.USED | prevBit;
      this.tagFree(c + csize, rest);
      this.listPush(c + csize);
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
    } else {
      u32[c >>> 2] = size | Fit.USED | prevBit;
      u32[(c + size) >>> 2] |= Fit.PREV_USED;
    }
    return c;
  }

  /**
   * Raises the break so that an unlisted free chunk of at least `size` bytes ends at the
   * sentinel, taking in a free last chunk. Returns it, or 0 (nothing changed).
   */
  private extendTop(size: number): number {
    let u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    const sentinel = brk - 8;
    const start = topStartOf(u32, this.heapStart, sentinel);
    const newBrk = start + size + 8;
    // its links checked before the break moves
    if (start !== sentinel && !this.linksAgree(start, u32[(start + 4) >>> 2], u32[(start + 8) >>> 2])) throw badLinksOf(u32, start, 'the free list');
    if (newBrk > brk) {
      if (!this.os.raiseBreak(u32, this.f64, newBrk)) return 0;
      this.sync();
      u32 = this.u32;
      if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: newBrk, backing: this.os.backing.byteLength });
      this.grew = true;
      u32[(newBrk - 8) >>> 2] = Fit.USED; // the new sentinel; its P bit is set when the chunk before it is used
      u32[(newBrk - 4) >>> 2] = 0;
    }
    if (start !== sentinel) {
      this.listRemove(start);
      u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
    }
    // the chunk before `start` is used: the sentinel's P bit was set, or `start` was free (coalesced)
    u32[start >>> 2] = (newBrk > brk ? size : sentinel - start) | Fit.PREV_USED;
    return start;
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    const csize = chunkSizeFor(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: csize });
    const c = this.alignedChunk(alignment, csize);
    return c === 0 ? 0 : this.finishAlloc(c, n);
  }

  /**
   * A used chunk of at least csize bytes whose payload is aligned to `align`, or 0. The
   * space before the aligned position (0 or at least MIN_CHUNK bytes) becomes a free chunk.
   */
  private alignedChunk(align: number, csize: number): number {
    this.grew = false;
    let c = this.search(csize + align + Fit.MIN_CHUNK);
    let size: number;
    if (c !== 0) {
      size = sizeOf(this.u32[c >>> 2]);
      if (size < csize + align + Fit.MIN_CHUNK || !this.tagsAgree(c, size)) throw badListed(this.u32, c, 'the free list', (s) => s >= csize);
      this.listRemove(c);
      this.u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
    } else {
      // from the top: find the aligned start first, so the break rises no more than needed
      const u32 = this.u32;
      const start = topStartOf(u32, this.heapStart, this.sentinel());
      c = this.extendTop(alignedStart(start, align) - start + csize);
      if (c === 0) return 0;
      size = sizeOf(this.u32[c >>> 2]);
    }
    const u32 = this.u32;
    const a = alignedStart(c, align);
    const lead = a - c;
    if (lead !== 0) {
      // the lead becomes free: the chunk before c is used (c was free)
      this.tagFree(c, lead);
      this.listPush(c);
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
      u32[a >>> 2] = size - lead; // P clear: the lead before it is free
    }
    return this.useChunk(a, size - lead, csize);
  }

  // ───────────────────────────────────────────── free

  /** Validates p as the start of a live block and returns its chunk; throws, changing nothing, otherwise. */
  private chunkOf(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const u32 = this.u32;
    const sentinel = this.sentinel();
    const c = p - Fit.HEADER;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    if (p >= this.heapStart + Fit.HEADER && p < sentinel && size >= Fit.MIN_CHUNK && c + size <= sentinel
      && (h & Fit.USED) !== 0 && (u32[(c + size) >>> 2] & Fit.PREV_USED) !== 0) {
      const slack = size - Fit.HEADER - u32[(c + 4) >>> 2];
      if (slack >= 0 && slack <= Fit.MAX_SLACK) return c;
    }
    throw this.badChunk(op, p);
  }

  /**
   * The error for a pointer chunkOf refused (out of line): a double free when p is the pointer
   * freed last or a free chunk; HeapCorruptionError when the heap's metadata is damaged
   * (damagedOr); else InvalidPointerError naming what is wrong.
   */
  private badChunk(op: string, p: number): HeapError {
    const u32 = this.u32;
    const sentinel = this.sentinel();
    const c = p - Fit.HEADER;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    const refusal = (): HeapError => {
      if (p === u32[this.pm + Fit.P_LAST_FREED]) return new DoubleFreeError(op, p);
      if (p < this.heapStart + Fit.HEADER || p >= sentinel) {
        return new InvalidPointerError(op, p, `outside the heap's blocks [${this.heapStart + Fit.HEADER}, ${sentinel})`);
      }
      if (h === Fit.ABSORBED) return new DoubleFreeError(op, p);
      if (size < Fit.MIN_CHUNK || c + size > sentinel) return new InvalidPointerError(op, p, 'not the start of a block (bad size in header)');
      const nh = u32[(c + size) >>> 2];
      if ((h & Fit.USED) === 0) {
        if (h === Fit.ABSORBED) return new DoubleFreeError(op, p);
        if ((nh & Fit.PREV_USED) === 0 && u32[(c + size - 4) >>> 2] === size) return new DoubleFreeError(op, p);
        return new InvalidPointerError(op, p, 'not the start of a live block');
      }
      if ((nh & Fit.PREV_USED) === 0) return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with the next block)');
      return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with its size)');
    };
    return damagedOr(() => this.check(), refusal());
  }

  free(p: number): void {
    this.work += 3; // the block and its two neighbours
    const c = this.chunkOf('free', p);
    this.releaseChunk(c);
  }

  private releaseChunk(c: number): void {
    const u32 = this.u32;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    countFree(u32, this.f64, this.hw, this.hf, u32[(c + 4) >>> 2], size);
    u32[this.pm + Fit.P_LAST_FREED] = c + Fit.HEADER;
    if (this.listener !== null) this.emit({ type: 'free', ptr: c + Fit.HEADER, size });
    this.freeRange(c, size, h & Fit.PREV_USED);
  }

  /**
   * Makes [c, c+size) one free listed chunk, merged with its free neighbours (their headers
   * inside the merged chunk are erased, so a second free of them is refused); trims a top
   * grown past trimThreshold. prevBit: whether the chunk before c is used.
   */
  private freeRange(c: number, size: number, prevBit: number): void {
    const u32 = this.u32;
    let start = c;
    let total = size;
    const next = c + size;
    const nh = u32[next >>> 2];
    let mergedNext = 0;
    // integrity: a free neighbour's size and tags agree before it is merged (nothing written yet)
    if ((nh & Fit.USED) === 0 && !this.tagsAgree(next, sizeOf(nh))) throw badTags(u32, next, 'next');
    if (prevBit === 0 && !this.tagsAgree(c - u32[(c - 4) >>> 2], u32[(c - 4) >>> 2])) throw badTags(u32, c - u32[(c - 4) >>> 2], 'previous');
    if ((nh & Fit.USED) === 0) {
      this.listRemove(next);
      u32[next >>> 2] = Fit.ABSORBED;
      total += sizeOf(nh);
      mergedNext = next;
    }
    if (prevBit === 0) {
      const ps = u32[(c - 4) >>> 2];
      start = c - ps;
      this.listRemove(start);
      u32[c >>> 2] = Fit.ABSORBED;
      total += ps;
    }
    this.tagFree(start, total);
    this.listPush(start);
    const merged = (mergedNext !== 0 ? 1 : 0) + (start !== c ? 1 : 0);
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1 - merged;
    if (merged !== 0 && this.listener !== null) {
      this.emit({ type: 'coalesce', block: start + Fit.HEADER, prev: start !== c ? start + Fit.HEADER : 0, next: mergedNext && mergedNext + Fit.HEADER, size: total });
    }
    if (start + total === this.sentinel() && total > u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trimTop(0);
  }

  // ───────────────────────────────────────────── realloc

  realloc(p: number, n: number): number {
    this.work += 2; // the block and the one after it
    const c = this.chunkOf('realloc', p);
    const u32 = this.u32;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    const old = u32[(c + 4) >>> 2];
    const csize = chunkSizeFor(n);
    let avail = size;
    if (csize > size) {
      // grow in place: into a free next chunk, and at the top by raising the break
      const next = c + size;
      const nh = u32[next >>> 2];
      if ((nh & Fit.USED) === 0 && !this.tagsAgree(next, sizeOf(nh))) throw badTags(u32, next, 'next');
      const end = (nh & Fit.USED) === 0 ? next + sizeOf(nh) : next;
      if (end - c < csize && end !== this.sentinel()) return this.reallocMove(c, p, n, old);
      if (end !== next) {
        this.listRemove(next);
        u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
        u32[next >>> 2] = Fit.ABSORBED;
      }
      avail = end - c;
      if (avail < csize) {
        const brk = u32[this.hw + Hdr.W_BRK];
        if (!this.os.raiseBreak(u32, this.f64, c + csize + 8)) {
          if (end !== next) this.freeRange(next, end - next, Fit.PREV_USED);
          return this.reallocMove(c, p, n, old);
        }
        this.sync();
        this.u32[(c + csize) >>> 2] = Fit.USED | Fit.PREV_USED; // the new sentinel
        this.u32[(c + csize + 4) >>> 2] = 0;
        if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: c + csize + 8, backing: this.os.backing.byteLength });
        avail = csize;
      }
    }
    // [c, c+avail) is now this block's; a tail of at least MIN_CHUNK goes back to the list
    const lu32 = this.u32;
    const keep = avail - csize >= Fit.MIN_CHUNK ? csize : avail;
    lu32[c >>> 2] = keep | (h & Fit.FLAGS);
    lu32[(c + keep) >>> 2] |= Fit.PREV_USED;
    lu32[(c + 4) >>> 2] = n;
    countResize(lu32, this.hw, old, n, size, keep);
    if (keep !== avail) this.freeRange(c + keep, avail - keep, Fit.PREV_USED);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
    return p;
  }

  private reallocMove(c: number, p: number, n: number, old: number): number {
    // the old block stops counting as live first, so the peak is C's realloc's (old and new never together)
    this.u32[this.hw + Hdr.W_LIVE_BYTES] -= old;
    const q = this.malloc(n);
    this.u32[this.hw + Hdr.W_LIVE_BYTES] += old;
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.releaseChunk(c);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: q, inPlace: false });
    return q;
  }

  usableSize(p: number): number {
    const c = this.chunkOf('usableSize', p);
    return sizeOf(this.u32[c >>> 2]) - Fit.HEADER;
  }

  // ───────────────────────────────────────────── trim, inspection

  trim(pad: number): number {
    const before = this.u32[this.hw + Hdr.W_BRK];
    this.trimTop(pad);
    return before - this.u32[this.hw + Hdr.W_BRK];
  }

  /** Gives the free top chunk back to the OS layer, keeping `pad` bytes of it. */
  private trimTop(pad: number): void {
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    const sentinel = brk - 8;
    const last = topStartOf(u32, this.heapStart, sentinel);
    const lastSize = sentinel - last;
    if (lastSize === 0) return;
    const keep = pad <= 0 ? 0 : Math.max(Fit.MIN_CHUNK, pad + 7 - ((pad + 7) % 8));
    if (keep >= lastSize) return;
    this.listRemove(last);
    u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
    const newSentinel = last + keep;
    u32[newSentinel >>> 2] = Fit.USED | (keep !== 0 ? 0 : Fit.PREV_USED);
    u32[(newSentinel + 4) >>> 2] = 0;
    if (keep !== 0) {
      this.tagFree(last, keep);
      this.listPush(last);
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
    }
    const newBrk = newSentinel + 8;
    this.os.lowerBreak(u32, this.f64, newBrk);
    this.sync();
    if (this.listener !== null) this.emit({ type: 'trim', from: brk, to: newBrk, released: brk - newBrk });
  }

  check(): void {
    checkFits(this);
  }

  blocks(): BlockInfo[] {
    return walkFits(this);
  }

  internals(): PolicyInternals {
    return fitsInternals(this);
  }

  /** O(1) but for largestFreeBlock, which walks the free list (these policies have no bins to ask). */
  usage(): PolicyUsage {
    const u32 = this.u32;
    let largest = 0;
    const budget = this.listBudget();
    let steps = 0;
    for (let c = u32[this.pm + Fit.P_HEAD]; c !== 0; c = u32[(c + 4) >>> 2]) {
      if (++steps > budget) throw this.listLoops(c);
      largest = Math.max(largest, sizeOf(u32[c >>> 2]));
    }
    const usedBytes = u32[this.hw + Hdr.W_USED_BYTES];
    return {
      usedBytes,
      freeBytes: checkedBreak(u32, this.hw, Hdr.W_BRK) - 8 - this.heapStart - usedBytes,
      freeBlocks: u32[this.hw + Hdr.W_FREE_BLOCKS],
      largestFreeBlock: largest,
    };
  }

  /** What maxSize leaves after the metadata, and below 2^32 - 2^17 so that every chunk size fits a word. */
  maxRequest(): number {
    return Math.min(2 ** 32 - 2 ** 17, this.f64[this.hf + Hdr.F_MAX_SIZE] - this.u32[this.hw + Hdr.W_META_BYTES]);
  }
}

/** The first chunk start at or after c whose payload is aligned to `align`, leaving 0 or at least MIN_CHUNK before it. */
function alignedStart(c: number, align: number): number {
  let p = Math.ceil((c + Fit.HEADER) / align) * align;
  if (p - Fit.HEADER - c !== 0 && p - Fit.HEADER - c < Fit.MIN_CHUNK) p += align;
  return p - Fit.HEADER;
}


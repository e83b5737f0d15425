/**
 * The real-time allocator: two-level segregated fit (layout.ts has the block
 * diagram, the list mapping and the invariants; lists.ts the lists and bitmaps).
 *
 * malloc(n):  head of the request's own list ─fits─▶ take it        1 block
 *               │ no
 *               ▼
 *             first non-empty list at or above the request rounded
 *             up to the next list (bitmaps, find-first-set) ─▶ take its head
 *               │ none                                             3 bitmap words
 *               ▼
 *             the free top block if it fits, else raise the break by what is missing
 *             (then split off the rest, into its list)
 *
 * free(p):    validate ─▶ merge with the free neighbours (boundary tags) ─▶ its list
 *             ─▶ give the top back past trimThreshold
 *
 * Every operation looks at a constant number of blocks, list heads and bitmap
 * words, whatever the number of blocks in the heap: no list is ever walked
 * (only check(), blocks() and usage()'s largest free block walk).
 *
 * Big requests are ordinary blocks: mmapThreshold does not apply (see
 * docs/allocators/tlsf.md on why), and a freed block at the top past
 * trimThreshold gives the memory back at once.
 */
import { DoubleFreeError, HeapError, InvalidPointerError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countFree, countResize } from '../counters.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { Blk, Meta, Tl, blockSizeFor, listOf, searchListOf, sizeOf } from './layout.js';
import { clearBits, firstListFrom, lastList, listInsert, listName, listRemove } from './lists.js';
import { checkedBreak, corrupt, damagedOr } from '../integrity.js';
import { badListed, badTags, freeTagsAgree, topStartOf } from '../boundary-tags.js';
import { checkTlsf, walkTlsf } from './walk.js';
import type { PolicyInternals } from '../../base/internals.js';
import { tlsfInternals } from './internals.js';

export const TLSF_POLICY_ID = 3;

/** Largest request tlsf considers at all: its block size must fit the 32-bit size word. */
const MAX_REQUEST = 2 ** 32 - 2 ** 17;

/** Why blockOf refused a pointer (Tlsf.badBlock turns it into the error). */
const enum Bad { OUTSIDE, BAD_SIZE, NOT_USED, NEXT_DISAGREES, BAD_REQUEST }

export class Tlsf extends PolicyBase implements AllocatorPolicy {
  readonly policyId = TLSF_POLICY_ID;
  readonly name = 'tlsf';
  readonly metadataBytes = Meta.POLICY_WORDS * 4;

  /** Set by extendTop: whether the break was raised. */
  private grew = false;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  format(heapStart: number, _options: PolicyOptions): void {
    this.heapStart = heapStart;
    this.u32.fill(0, this.pm, this.pm + Meta.POLICY_WORDS);
    // the sentinel: size 0, USED; nothing before the first block is free
    this.u32[heapStart >>> 2] = Blk.USED | Blk.PREV_USED;
    this.u32[(heapStart + 4) >>> 2] = 0;
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    const size = n <= 8 ? Blk.MIN_BLOCK : n < 0x7fffffe0 ? (n + 15) & ~7 : blockSizeFor(n);
    if (size < Tl.SMALL_BLOCK && this.listener === null) {
      // fast path: pop the exact list of a small size (level 0 holds one size per list)
      const u32 = this.u32;
      const hi = this.pm + Meta.P_HEADS + (size >>> 3);
      const b = u32[hi];
      this.work += 2;
      if (b !== 0) {
        const next = u32[(b + 4) >>> 2];
        // integrity: the head is a free block of this size, and its links agree
        if ((u32[b >>> 2] & ~Blk.PREV_USED) !== size || (b & 7) !== 0 || u32[(b + 8) >>> 2] !== 0
          || (next !== 0 && u32[(next + 8) >>> 2] !== b)) throw this.badHead(b, size >>> 3);
        u32[hi] = next;
        if (next !== 0) u32[(next + 8) >>> 2] = 0;
        else clearBits(u32, this.pm, size >>> 3);
        u32[b >>> 2] |= Blk.USED;
        u32[(b + 4) >>> 2] = n;
        u32[(b + size) >>> 2] |= Blk.PREV_USED;
        u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
        countAlloc(u32, this.f64, this.hw, this.hf, n, size, false);
        return b + Blk.HEADER;
      }
    }
    // everything else out of line: malloc stays small enough for V8 to inline
    return this.mallocSlow(n, size);
  }

  private mallocSlow(n: number, size: number): number {
    if (this.listener !== null) this.emitMalloc(n, size);
    const b = this.findFree(size);
    if (b === 0) return this.mallocTop(n, size);
    this.takeFree(b, size);
    countAlloc(this.u32, this.f64, this.hw, this.hf, n, sizeOf(this.u32[b >>> 2]), false);
    this.u32[(b + 4) >>> 2] = n;
    if (this.listener !== null) this.emitDone(b, false);
    return b + Blk.HEADER;
  }

  /**
   * A free block of at least `size` bytes, still linked, or 0: the head of the
   * size's own list when it fits, else the head of the first non-empty list whose
   * every block fits. Three bitmap words and two list heads at most.
   */
  private findFree(size: number): number {
    const u32 = this.u32;
    const pm = this.pm;
    const own = listOf(size);
    const h = u32[pm + Meta.P_HEADS + own];
    this.work += 2;
    if (h !== 0 && sizeOf(u32[h >>> 2]) >= size) {
      if (this.listener !== null) this.emitSearch(size, own, own);
      return h;
    }
    const from = size < Tl.SMALL_BLOCK ? own + 1 : searchListOf(size);
    const found = firstListFrom(u32, pm, from);
    this.work += 3;
    if (this.listener !== null) this.emitSearch(size, from, found);
    if (found < 0) return 0;
    const b = u32[pm + Meta.P_HEADS + found];
    if (b === 0) throw corrupt(b, `corrupted bitmaps: the bit of list ${listName(found)} says non-empty, its head is empty`);
    return b;
  }

  /** Unlinks free block b and makes it a used block of `size` bytes (split: see useBlock). */
  private takeFree(b: number, size: number): void {
    const u32 = this.u32;
    const h = u32[b >>> 2];
    const have = sizeOf(h);
    if ((h & Blk.USED) !== 0 || have < size || (b & 7) !== 0 || b < this.heapStart || !this.tagsAgree(b, have)) throw this.badHead(b, listOf(size));
    listRemove(u32, this.pm, b, listOf(have));
    u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
    this.useBlock(b, have, size);
  }

  /**
   * Marks the free, unlinked block b of `have` bytes used for `size` bytes; a
   * remainder of at least MIN_BLOCK becomes a free block in its list (its next
   * neighbour is used: b was free, so it had no free neighbour).
   */
  private useBlock(b: number, have: number, size: number): void {
    const u32 = this.u32;
    const prevBit = u32[b >>> 2] & Blk.PREV_USED;
    const rest = have - size;
    this.work += 1;
    if (rest >= Blk.MIN_BLOCK) {
      u32[b >>> 2] = size | Blk.USED | prevBit;
      const r = b + size;
      u32[r >>> 2] = rest | Blk.PREV_USED;
      u32[(r + rest - 4) >>> 2] = rest;
      listInsert(u32, this.pm, r, listOf(rest));
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
      this.work += 1;
      if (this.listener !== null) this.emitSplit(b, size, rest);
    } else {
      u32[b >>> 2] = have | Blk.USED | prevBit;
      u32[(b + have) >>> 2] |= Blk.PREV_USED;
    }
  }

  /** No free block fits: the free top block, grown by what is missing. */
  private mallocTop(n: number, size: number): number {
    const b = this.extendTop(size);
    if (b === 0) return 0;
    this.useBlock(b, sizeOf(this.u32[b >>> 2]), size);
    return this.finishAlloc(b, n);
  }

  /** Counts a block from extendTop as holding n bytes. */
  private finishAlloc(b: number, n: number): number {
    const u32 = this.u32;
    u32[(b + 4) >>> 2] = n;
    countAlloc(u32, this.f64, this.hw, this.hf, n, sizeOf(u32[b >>> 2]), this.grew);
    if (this.listener !== null) this.emitDone(b, this.grew);
    return b + Blk.HEADER;
  }

  /**
   * A free, unlinked block of at least `size` bytes that ends at the sentinel:
   * the free top block if it is big enough (good fit may pass over it when it
   * is in the request's own list but not its head), else the top block (or
   * nothing) grown by raising the break. 0 when the OS layer has no room.
   * Sets this.grew.
   */
  private extendTop(size: number): number {
    this.grew = false;
    const u32 = this.u32;
    const sentinel = u32[this.hw + Hdr.W_BRK] - 8;
    const start = this.topStart(sentinel);
    const last = sentinel - start;
    this.work += 2;
    // unlinked first (its links checked) so that damage stops before the break moves
    if (last !== 0) this.unlinkFree(start, last);
    if (last >= size) return start;
    const prevBit = u32[start >>> 2] & Blk.PREV_USED;
    if (!this.raiseTo(start + size + 8)) {
      if (last !== 0) this.linkFree(start, last);
      return 0;
    }
    this.grew = true;
    this.u32[start >>> 2] = size | prevBit;
    return start;
  }

  /**
   * Moves the break up to newBrk and writes the new sentinel there (USED, its P
   * bit clear: the caller sets it when the block before it is used). False when
   * the OS layer has no room (nothing changed).
   */
  private raiseTo(newBrk: number): boolean {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    if (!this.os.raiseBreak(this.u32, this.f64, newBrk)) return false;
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
    const s = newBrk - 8;
    this.u32[s >>> 2] = Blk.USED;
    this.u32[(s + 4) >>> 2] = 0;
    const ev = this.listener;
    if (ev !== null) ev({ type: 'grow', from: brk, to: newBrk, backing: this.os.backing.byteLength });
    return true;
  }

  private unlinkFree(b: number, size: number): void {
    listRemove(this.u32, this.pm, b, listOf(size));
    this.u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
  }

  /** Writes free block b of `size` (P bit set: its previous block is used), links it and counts it. */
  private linkFree(b: number, size: number): void {
    const u32 = this.u32;
    u32[b >>> 2] = size | Blk.PREV_USED;
    u32[(b + size - 4) >>> 2] = size;
    listInsert(u32, this.pm, b, listOf(size));
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    const size = blockSizeFor(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: size });
    const b = this.alignedBlock(alignment, size);
    if (b === 0) return 0;
    return this.finishAlloc(b, n);
  }

  /**
   * A used block of `size` bytes whose payload is aligned to `align` (a power of
   * two > 8), or 0. The space before the aligned position becomes a free block
   * (at least MIN_BLOCK, or nothing); the rest after it is split off as usual.
   */
  private alignedBlock(align: number, size: number): number {
    this.grew = false;
    let b = size + align + Blk.MIN_BLOCK <= MAX_REQUEST ? this.findFree(size + align + Blk.MIN_BLOCK) : 0;
    if (b !== 0) {
      this.unlinkFree(b, sizeOf(this.u32[b >>> 2]));
    } else {
      // from the top: the aligned position first, so the break rises no more than needed
      const u32 = this.u32;
      const start = this.topStart(u32[this.hw + Hdr.W_BRK] - 8);
      b = this.extendTop(alignedStart(start, align) + size - start);
      if (b === 0) return 0;
    }
    const u32 = this.u32;
    const have = sizeOf(u32[b >>> 2]);
    const a = alignedStart(b, align);
    const lead = a - b;
    if (lead !== 0) {
      // the lead stays free; it has no free neighbour before it (b was free)
      u32[b >>> 2] = lead | (u32[b >>> 2] & Blk.PREV_USED);
      u32[(b + lead - 4) >>> 2] = lead;
      listInsert(u32, this.pm, b, listOf(lead));
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
      u32[a >>> 2] = have - lead; // P bit clear: the lead before it is free
    }
    this.useBlock(a, have - lead, size);
    return a;
  }

  // ───────────────────────────────────────────── free

  free(p: number): void {
    const b = this.blockOf('free', p);
    this.releaseBlock(b);
  }

  private releaseBlock(b: number): void {
    const u32 = this.u32;
    const h = u32[b >>> 2];
    const size = sizeOf(h);
    countFree(u32, this.f64, this.hw, this.hf, u32[(b + 4) >>> 2], size);
    u32[this.pm + Meta.P_LAST_FREED] = b + Blk.HEADER;
    if (this.listener !== null) this.emitFree(b, size);
    this.freeRange(b, size, h & Blk.PREV_USED);
  }

  /**
   * Makes [b, b+size) free, merging with its free neighbours, and links the result;
   * prevBit: whether the block before b is used. A free top block past trimThreshold
   * goes back to the OS layer. Absorbed headers become ABSORBED: a stale header
   * inside a merged block would let a second free of the same pointer pass.
   */
  private freeRange(b: number, size: number, prevBit: number): void {
    const u32 = this.u32;
    const pm = this.pm;
    let start = b;
    let total = size;
    const next = b + size;
    const nh = u32[next >>> 2];
    let merged = 0;
    this.work += 4;
    // integrity: a free neighbour's size and boundary tags agree before it is merged
    if ((nh & Blk.USED) === 0 && !this.tagsAgree(next, sizeOf(nh))) throw this.badNeighbour(next, 'next');
    if (prevBit === 0 && !this.tagsAgree(b - u32[(b - 4) >>> 2], u32[(b - 4) >>> 2])) throw this.badNeighbour(b - u32[(b - 4) >>> 2], 'previous');
    if ((nh & Blk.USED) === 0) {
      const ns = sizeOf(nh);
      listRemove(u32, pm, next, listOf(ns));
      u32[next >>> 2] = Blk.ABSORBED;
      total += ns;
      merged = 1;
    }
    if (prevBit === 0) {
      const ps = u32[(b - 4) >>> 2];
      start = b - ps;
      listRemove(u32, pm, start, listOf(ps));
      u32[b >>> 2] = Blk.ABSORBED;
      total += ps;
      merged += 1;
    }
    u32[start >>> 2] = total | Blk.PREV_USED;
    u32[(start + total - 4) >>> 2] = total;
    u32[(start + total) >>> 2] &= ~Blk.PREV_USED;
    listInsert(u32, pm, start, listOf(total));
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1 - merged;
    if (merged !== 0 && this.listener !== null) this.emitMerge(start, b, size, total);
    if (start + total === u32[this.hw + Hdr.W_BRK] - 8 && total > u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trimTop(0);
  }

  // ───────────────────────────────────────────── realloc

  realloc(p: number, n: number): number {
    const b = this.blockOf('realloc', p);
    const u32 = this.u32;
    const h = u32[b >>> 2];
    const have = sizeOf(h);
    const old = u32[(b + 4) >>> 2];
    const size = blockSizeFor(n);
    this.work += 2;
    if (size > have) {
      // grow in place: into a free next block, and/or by raising the break at the top
      const next = b + have;
      const nh = u32[next >>> 2];
      let end = next;
      if ((nh & Blk.USED) === 0) {
        if (!this.tagsAgree(next, sizeOf(nh))) throw this.badNeighbour(next, 'next');
        end += sizeOf(nh);
      }
      const atTop = end === u32[this.hw + Hdr.W_BRK] - 8;
      if (end - b < size && !atTop) return this.reallocMove(b, p, n, old);
      if (end !== next) this.unlinkFree(next, end - next);
      if (end - b < size) {
        if (!this.raiseTo(b + size + 8)) {
          if (end !== next) this.linkFree(next, end - next);
          return this.reallocMove(b, p, n, old);
        }
        end = b + size;
      }
      const lu32 = this.u32;
      if (end !== next) lu32[next >>> 2] = Blk.ABSORBED;
      lu32[b >>> 2] = (end - b) | (h & Blk.FLAGS);
      lu32[end >>> 2] |= Blk.PREV_USED;
    }
    this.resizeInPlace(b, old, n, size, have);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
    return p;
  }

  /**
   * Used block b (of oldBytes before this realloc, at least `size` bytes now) holds n
   * bytes instead of old; a tail of MIN_BLOCK or more is freed.
   */
  private resizeInPlace(b: number, old: number, n: number, size: number, oldBytes: number): void {
    const u32 = this.u32;
    const h = u32[b >>> 2];
    const rest = sizeOf(h) - size;
    if (rest >= Blk.MIN_BLOCK) u32[b >>> 2] = size | (h & Blk.FLAGS);
    u32[(b + 4) >>> 2] = n;
    countResize(u32, this.hw, old, n, oldBytes, rest >= Blk.MIN_BLOCK ? size : size + rest);
    if (rest >= Blk.MIN_BLOCK) this.freeRange(b + size, rest, Blk.PREV_USED);
  }

  private reallocMove(b: number, p: number, n: number, old: number): number {
    // The old block stops counting as live first, so the peak is that of C's
    // realloc (old and new never count together), as malloc-lab measures it.
    this.u32[this.hw + Hdr.W_LIVE_BYTES] -= old;
    const q = this.malloc(n);
    this.u32[this.hw + Hdr.W_LIVE_BYTES] += old;
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.releaseBlock(b);
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: q, inPlace: false });
    return q;
  }

  usableSize(p: number): number {
    return sizeOf(this.u32[this.blockOf('usableSize', p) >>> 2]) - Blk.HEADER;
  }

  // ───────────────────────────────────────────── pointer validation

  /**
   * Validates p as the payload of a live block and returns the block, or throws
   * InvalidPointerError / DoubleFreeError. Nothing is modified.
   *
   * Caught: non-numbers, non-integers, misaligned, below the first block or at/after
   * the sentinel (the metadata, the static area), a header whose size, successor P bit
   * or requested size is inconsistent, a free or absorbed block (double free). A
   * forged pointer whose 8 bytes before it look exactly like a consistent header
   * cannot always be told apart (as in glibc).
   */
  blockOf(op: string, p: unknown): number {
    if (typeof p === 'number' && (p >>> 0) === p && (p & 7) === 0) {
      const u32 = this.u32;
      const sentinel = u32[this.hw + Hdr.W_BRK] - 8;
      const b = p - Blk.HEADER;
      if (b >= this.heapStart && p < sentinel) {
        const h = u32[b >>> 2];
        const size = sizeOf(h);
        if ((h & Blk.USED) !== 0 && size >= Blk.MIN_BLOCK && b + size <= sentinel && (u32[(b + size) >>> 2] & Blk.PREV_USED) !== 0) {
          const slack = size - Blk.HEADER - u32[(b + 4) >>> 2];
          if (slack >= 0 && slack <= Blk.MAX_SLACK) return b;
        }
      }
    }
    return this.refuse(op, p);
  }

  /**
   * Throws the error for a pointer blockOf refused, naming what is wrong with it. Out of line,
   * with the messages, so that blockOf (on every free and realloc) stays small enough to inline.
   */
  private refuse(op: string, p: unknown): never {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const u32 = this.u32;
    const sentinel = u32[this.hw + Hdr.W_BRK] - 8;
    if (p < this.heapStart + Blk.HEADER || p >= sentinel) throw this.badBlock(op, p, Bad.OUTSIDE);
    const b = p - Blk.HEADER;
    const h = u32[b >>> 2];
    if ((h & Blk.USED) === 0) throw this.badBlock(op, p, Bad.NOT_USED);
    const size = sizeOf(h);
    if (size < Blk.MIN_BLOCK || b + size > sentinel) throw this.badBlock(op, p, Bad.BAD_SIZE);
    if ((u32[(b + size) >>> 2] & Blk.PREV_USED) === 0) throw this.badBlock(op, p, Bad.NEXT_DISAGREES);
    throw this.badBlock(op, p, Bad.BAD_REQUEST);
  }

  /** The error for a pointer blockOf refused; out of line, so blockOf stays small enough to inline. */
  private badBlock(op: string, p: number, why: Bad): HeapError {
    // the pointer freed last, freed again, even when a merge or a trim left no trace of it
    const refusal = p === this.u32[this.pm + Meta.P_LAST_FREED] ? new DoubleFreeError(op, p) : this.refusal(op, p, why);
    return damagedOr(() => this.check(), refusal);
  }

  private refusal(op: string, p: number, why: Bad): HeapError {
    const u32 = this.u32;
    const sentinel = u32[this.hw + Hdr.W_BRK] - 8;
    const b = p - Blk.HEADER;
    switch (why) {
      case Bad.OUTSIDE:
        return new InvalidPointerError(op, p, `outside the heap's blocks [${this.heapStart + Blk.HEADER}, ${sentinel})` +
          (p < this.heapStart ? ' (in the allocator metadata or static area)' : ''));
      case Bad.NOT_USED: {
        const h = u32[b >>> 2];
        if (h === Blk.ABSORBED) return new DoubleFreeError(op, p);
        const size = sizeOf(h);
        if (size >= Blk.MIN_BLOCK && b + size <= sentinel && u32[(b + size - 4) >>> 2] === size &&
          (u32[(b + size) >>> 2] & Blk.PREV_USED) === 0) return new DoubleFreeError(op, p);
        return new InvalidPointerError(op, p, 'not the start of a live block');
      }
      case Bad.BAD_SIZE:
        return new InvalidPointerError(op, p, 'not the start of a block (bad size in header)');
      case Bad.NEXT_DISAGREES:
        return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with the next block)');
      default:
        return new InvalidPointerError(op, p, 'not the start of a block (requested size inconsistent with its size)');
    }
  }

  // ───────────────────────────────────────────── integrity (the checks are inline; the errors out of line)

  /** Whether [b, b+size) can be a free block of this heap (boundary-tags.ts). */
  private tagsAgree(b: number, size: number): boolean {
    return freeTagsAgree(this.u32, b, size, this.heapStart, this.u32[this.hw + Hdr.W_BRK] - 8);
  }

  private topStart(sentinel: number): number {
    return topStartOf(this.u32, this.heapStart, sentinel);
  }

  private badNeighbour(b: number, which: string): HeapError {
    return badTags(this.u32, b, which);
  }

  /** The head of list `index` taken by malloc is not a free block of that list, or its links disagree. */
  private badHead(b: number, index: number): HeapError {
    return badListed(this.u32, b, listName(index), (size) => listOf(size) === index);
  }

  // ───────────────────────────────────────────── trim, check, walk

  trim(pad: number): number {
    const before = this.u32[this.hw + Hdr.W_BRK];
    this.trimTop(pad);
    return before - this.u32[this.hw + Hdr.W_BRK];
  }

  /** Gives the free top block back to the OS layer, keeping `pad` bytes of it. */
  private trimTop(pad: number): void {
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    const sentinel = brk - 8;
    this.work += 2;
    const start = this.topStart(sentinel);
    const last = sentinel - start;
    if (last === 0) return;
    const keep = pad <= 0 ? 0 : Math.max(Blk.MIN_BLOCK, pad + 7 - ((pad + 7) % 8));
    if (keep >= last) return;
    this.unlinkFree(start, last);
    if (keep !== 0) this.linkFree(start, keep);
    const s = start + keep;
    u32[s >>> 2] = Blk.USED | (keep !== 0 ? 0 : Blk.PREV_USED);
    u32[(s + 4) >>> 2] = 0;
    const newBrk = s + 8;
    this.os.lowerBreak(u32, this.f64, newBrk);
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
    const ev = this.listener;
    if (ev !== null) ev({ type: 'trim', from: brk, to: newBrk, released: brk - newBrk });
  }

  check(): void {
    checkTlsf(this);
  }

  blocks(): BlockInfo[] {
    return walkTlsf(this);
  }

  internals(): PolicyInternals {
    return tlsfInternals(this);
  }

  /** O(1) but for largestFreeBlock, which looks at the first 64 blocks of the last non-empty list. */
  usage(): PolicyUsage {
    const u32 = this.u32;
    let largest = 0;
    const last = lastList(u32, this.pm);
    if (last >= 0) {
      let b = u32[this.pm + Meta.P_HEADS + last];
      for (let i = 0; i < 64 && b !== 0; i++, b = u32[(b + 4) >>> 2]) largest = Math.max(largest, sizeOf(u32[b >>> 2]));
    }
    const usedBytes = u32[this.hw + Hdr.W_USED_BYTES];
    return {
      usedBytes,
      freeBytes: checkedBreak(u32, this.hw, Hdr.W_BRK) - 8 - this.heapStart - usedBytes,
      freeBlocks: u32[this.hw + Hdr.W_FREE_BLOCKS],
      largestFreeBlock: largest,
    };
  }

  maxRequest(): number {
    return Math.min(MAX_REQUEST, this.f64[this.hf + Hdr.F_MAX_SIZE] - this.u32[this.hw + Hdr.W_META_BYTES]);
  }

  // ───────────────────────────────────────────── events (out of line: the hot paths only test the listener)


  private emitMalloc(n: number, size: number): void {
    this.emit({ type: 'malloc', size: n, chunk: size });
  }

  private emitFree(b: number, size: number): void {
    this.emit({ type: 'free', ptr: b + Blk.HEADER, size });
  }

  private emitDone(b: number, grew: boolean): void {
    this.emit({ type: 'done', ptr: b + Blk.HEADER, size: sizeOf(this.u32[b >>> 2]), reused: !grew });
  }

  private emitSearch(size: number, from: number, found: number): void {
    this.emit({
      type: 'tlsf-search', size, fl: from >>> Tl.SL_BITS, sl: from & (Tl.SL_COUNT - 1),
      foundFl: found < 0 ? -1 : found >>> Tl.SL_BITS, foundSl: found < 0 ? -1 : found & (Tl.SL_COUNT - 1), hit: found >= 0,
    });
  }

  private emitSplit(b: number, size: number, rest: number): void {
    const list = listOf(rest);
    this.emit({ type: 'tlsf-split', block: b + Blk.HEADER, size, remainder: rest, fl: list >>> Tl.SL_BITS, sl: list & (Tl.SL_COUNT - 1) });
  }

  private emitMerge(start: number, b: number, size: number, total: number): void {
    const list = listOf(total);
    const next = b + size;
    this.emit({
      type: 'tlsf-merge', block: start + Blk.HEADER, prev: start !== b ? start + Blk.HEADER : 0,
      next: start + total > next ? next + Blk.HEADER : 0, size: total, fl: list >>> Tl.SL_BITS, sl: list & (Tl.SL_COUNT - 1),
    });
  }
}

/** The first payload-aligned block start at or after b whose lead (if any) can be a free block. */
function alignedStart(b: number, align: number): number {
  let p = Math.ceil((b + Blk.HEADER) / align) * align;
  if (p - Blk.HEADER - b !== 0 && p - Blk.HEADER - b < Blk.MIN_BLOCK) p += align;
  return p - Blk.HEADER;
}

function badPointerValue(op: string, p: unknown): HeapError {
  if (typeof p !== 'number') return new InvalidPointerError(op, p, 'not a number');
  if (!Number.isInteger(p)) return new InvalidPointerError(op, p, 'not an integer');
  if (p < 0 || p >= 2 ** 32) return new InvalidPointerError(op, p, 'outside the 32-bit address space');
  return new InvalidPointerError(op, p, 'misaligned (pointers are multiples of 8)');
}

export const tlsfPolicy: PolicyFactory = {
  policyId: TLSF_POLICY_ID,
  name: 'tlsf',
  kind: 'general',
  metadataBytes: Meta.POLICY_WORDS * 4,
  create: (os) => new Tlsf(os),
};

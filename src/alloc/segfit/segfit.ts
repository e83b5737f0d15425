/**
 * The default allocator: segregated fit with boundary tags (see layout.ts for
 * the block diagram and bins.ts for the bins).
 *
 * malloc(n):  exact small bin ─hit─▶ done                      O(1)
 *               │ miss
 *               ▼
 *             region of the size group ─fits─▶ carve            O(1)
 *               │ exhausted
 *               ▼
 *             best fit in the bins ─found─▶ new region / split  O(1) (bitmaps)
 *               │ none
 *               ▼
 *             OS layer: raise the break (page runs for >= mmapThreshold)
 *
 * free(p):    validate ─▶ merge with free neighbours (boundary tags) ─▶ bin
 *             (or the neighbouring region) ─▶ trim if the top grew past the threshold
 *
 * Both are O(1) apart from a bounded best-fit scan (16 chunks): no walk over
 * the free or used blocks, whatever their number.
 */
import { DoubleFreeError, HeapError, InvalidPointerError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { binInsert, binRemove, findFit, largestInBins, Meta, smallMapBit, smallMapWord } from './bins.js';
import { chunkSizeFor, groupOf, isRegionTail, sizeOf, Chunk } from './layout.js';
import { checkHeap, walkBlocks } from './walk.js';
import { badLinks } from './integrity.js';
import { checkedBreak, corrupt, damagedOr } from '../integrity.js';
import { badPointerValue } from '../views.js';
import type { PolicyInternals } from '../../base/internals.js';
import { segfitInternals } from './internals.js';

export const SEGFIT_POLICY_ID = 1;

/** Why chunkOf refused a pointer (SegFit.badChunk turns it into the error). */
const enum BadChunk { OUTSIDE, BAD_SIZE, NOT_USED, NEXT_DISAGREES, BAD_REQUEST }

export class SegFit extends PolicyBase implements AllocatorPolicy {
  readonly policyId = SEGFIT_POLICY_ID;
  readonly name = 'segfit';
  readonly metadataBytes = Meta.POLICY_WORDS * 4;

  /** First chunk (fixed when the heap is made; cached from the header). */
  /** Set by a successful allocChunk: whether it raised the break. */
  private grew = false;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  format(heapStart: number, _options: PolicyOptions): void {
    const u32 = this.u32;
    this.heapStart = heapStart;
    u32.fill(0, this.pm, this.pm + Meta.POLICY_WORDS);
    // sentinel: size 0, USED; nothing before the first chunk is free
    u32[heapStart >>> 2] = Chunk.USED | Chunk.PREV_USED;
    u32[(heapStart + 4) >>> 2] = 0;
  }

  /** Re-reads the views if the backing was resized since this object last looked. */
  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    const csize = n <= 8 ? Chunk.MIN_CHUNK : n < 0x7fffffe0 ? (n + 15) & ~7 : chunkSizeFor(n);
    this.work += 1;
    if (csize <= Chunk.SMALL_MAX && this.listener === null) {
      // fast path: pop the exact small bin
      const u32 = this.u32;
      const hi = this.pm + Meta.P_SMALL_HEADS + (csize >>> 3);
      const c = u32[hi];
      if (c !== 0) {
        const next = u32[(c + 4) >>> 2];
        // integrity: a free chunk of this bin's size whose successor, if any, points back
        if ((u32[c >>> 2] & ~Chunk.PREV_USED) !== csize || (next !== 0 && u32[(next + 8) >>> 2] !== c) || (c & 7) !== 0) {
          throw this.badBinHead(c, csize);
        }
        u32[hi] = next;
        if (next !== 0) u32[(next + 8) >>> 2] = 0;
        else u32[smallMapWord(this.pm, csize)] &= ~smallMapBit(csize);
        u32[c >>> 2] |= Chunk.USED;
        u32[(c + 4) >>> 2] = n;
        u32[(c + csize) >>> 2] |= Chunk.PREV_USED;
        const hw = this.hw;
        u32[hw + Hdr.W_FREE_BLOCKS] -= 1;
        this.accountAlloc(u32, hw, n, csize);
        return c + Chunk.HEADER;
      }
    }
    // Everything else (region carve included) is out of line: see emit() on why the fast path stays small.
    return this.mallocSlow(n, csize);
  }

  /** Counts one more allocation of n bytes. */
  private accountAlloc(u32: Uint32Array, hw: number, n: number, csize: number): void {
    u32[hw + Hdr.W_USED_BYTES] += csize;
    this.f64[this.hf + Hdr.F_ALLOCS] += 1;
    const live = u32[hw + Hdr.W_LIVE_BYTES] + n;
    u32[hw + Hdr.W_LIVE_BYTES] = live;
    if (live > u32[hw + Hdr.W_PEAK_LIVE_BYTES]) u32[hw + Hdr.W_PEAK_LIVE_BYTES] = live;
  }

  private mallocSlow(n: number, csize: number): number {
    const ev = this.listener;
    if (ev !== null) ev({ type: 'malloc', size: n, chunk: csize });
    if (csize >= this.u32[this.hw + Hdr.W_MMAP_THRESHOLD]) return this.mapRun(n);
    const c = this.allocChunk(csize);
    if (c === 0) return 0;
    return this.finishAlloc(c, n);
  }

  /** Marks a chunk from allocChunk as holding a request of n bytes and counts it. */
  private finishAlloc(c: number, n: number): number {
    const u32 = this.u32;
    u32[(c + 4) >>> 2] = n;
    const size = sizeOf(u32[c >>> 2]);
    if (this.grew) this.f64[this.hf + Hdr.F_GROWN_ALLOCS] += 1;
    this.accountAlloc(u32, this.hw, n, size);
    if (this.listener !== null) this.emit({ type: 'done', ptr: c + Chunk.HEADER, size, reused: !this.grew });
    return c + Chunk.HEADER;
  }

  /**
   * Sends one event to the listener. The hot paths test `this.listener !== null`
   * and build the event only then, in as few bytes of code as they can: V8
   * inlines a call only while the inlined code stays within a budget, and
   * event code that is never run would otherwise spend it.
   */

  /**
   * A used chunk of at least csize bytes (split done, neighbours' flags set),
   * or 0 when the OS layer has no more room. Sets this.grew.
   */
  private allocChunk(csize: number): number {
    this.grew = false;
    const u32 = this.u32;
    const pm = this.pm;
    const ev = this.listener;
    if (csize <= Chunk.SMALL_MAX) {
      const hi = pm + Meta.P_SMALL_HEADS + (csize >>> 3);
      const c = u32[hi];
      if (ev !== null) ev({ type: 'bin', bin: csize >>> 3, binSize: csize, hit: c !== 0 });
      if (c !== 0) return this.takeFree(c, csize, csize);
      const g = groupOf(csize);
      const tail = u32[pm + Meta.P_REGION_SLOTS + g];
      if (tail !== 0) {
        const ts = sizeOf(u32[tail >>> 2]);
        if (ts >= csize) return this.carveRegion(g, tail, ts, csize);
        // too small for this request: hand it to the bins (a tail at the top becomes
        // part of the free top, where the group's next region can start)
        this.releaseRegion(g);
      }
      return this.newRegion(g, csize);
    }
    let f = this.fit(csize);
    if (ev !== null) ev({ type: 'bin', bin: -1, binSize: csize, hit: f !== 0 });
    if (f !== 0) {
      const fs = sizeOf(u32[f >>> 2]);
      // the top chunk: a big region tail right below it would be left under this block
      if (f + fs === this.sentinel() && this.releaseTailBelow(f)) {
        f = this.fit(csize);
      }
      return this.takeFree(f, sizeOf(this.u32[f >>> 2]), csize);
    }
    const r = this.regionMergeFit(csize);
    if (r !== 0) return this.takeFree(r, sizeOf(this.u32[r >>> 2]), csize);
    const c = this.growTop(csize);
    return c !== 0 ? c : this.stealRegion(csize);
  }

  /**
   * Before the break rises for a large request, a region tail must not be
   * what makes the heap grow. A tail whose free neighbours would merge with it
   * into a chunk that fits is released, and that merged chunk (in its bin) is
   * returned. A tail that is, or only has free space between it and, the last
   * chunk is released too when it is bigger than a region step (it becomes
   * part of the top the break rises from), and 0 is returned; a smaller one
   * stays, as the regionStep bound allows (releasing it would cost a new
   * region). At most GROUPS tails are looked at.
   */
  private regionMergeFit(csize: number): number {
    const u32 = this.u32;
    this.work += Chunk.GROUPS;
    const sentinel = this.sentinel();
    for (let g = 0; g < Chunk.GROUPS; g++) {
      const t = u32[this.pm + Meta.P_REGION_SLOTS + g];
      if (t === 0) continue;
      const th = u32[t >>> 2];
      let start = t;
      let end = t + sizeOf(th);
      if ((th & Chunk.PREV_USED) === 0) start -= u32[(t - 4) >>> 2];
      const nh = u32[end >>> 2];
      if ((nh & Chunk.USED) === 0) end += sizeOf(nh);
      if (end - start >= csize || (end === sentinel && sizeOf(th) > this.topTailMax())) {
        this.releaseRegion(g, false);
        return end - start >= csize ? start : 0;
      }
    }
    return 0;
  }

  /** Takes free chunk c (in a bin) of `size` for a csize request, splitting off the rest. */
  private takeFree(c: number, size: number, csize: number): number {
    const u32 = this.u32;
    if ((u32[c >>> 2] & Chunk.USED) !== 0 || size < csize || u32[(c + size - 4) >>> 2] !== size || c + size > this.sentinel()) {
      throw this.badNeighbour(c, size, 'next');
    }
    this.unlinkFree(c, size);
    return this.useChunk(c, size, csize);
  }

  /**
   * Marks the free, unlinked chunk c of `size` used for csize bytes; a
   * remainder of at least MIN_CHUNK becomes a free chunk in the bins.
   */
  private useChunk(c: number, size: number, csize: number): number {
    const u32 = this.u32;
    const prevBit = u32[c >>> 2] & Chunk.PREV_USED;
    const rest = size - csize;
    if (rest >= Chunk.MIN_CHUNK) {
      u32[c >>> 2] = csize | Chunk.USED | prevBit;
      const r = c + csize;
      this.putFree(r, rest);
      u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
      if (this.listener !== null) this.emit({ type: 'split', block: c + Chunk.HEADER, size: csize, remainder: rest });
    } else {
      u32[c >>> 2] = size | Chunk.USED | prevBit;
      u32[(c + size) >>> 2] |= Chunk.PREV_USED;
    }
    return c;
  }

  /** Writes a free chunk (header with Chunk.PREV_USED, footer) and bins it; the next chunk's P bit is cleared. */
  private putFree(c: number, size: number): void {
    const u32 = this.u32;
    u32[c >>> 2] = size | Chunk.PREV_USED;
    u32[(c + size - 4) >>> 2] = size;
    u32[(c + size) >>> 2] &= ~Chunk.PREV_USED;
    binInsert(u32, this.pm, c, size);
  }

  // ───────────────────────────────────────────── regions

  private carveRegion(g: number, tail: number, ts: number, csize: number): number {
    const u32 = this.u32;
    const info = u32[(tail + 4) >>> 2];
    if ((u32[tail >>> 2] & Chunk.USED) === 0 || (info & ~Chunk.FRESH) >>> 0 !== (Chunk.REGION_TAIL | g) >>> 0
      || (tail & 7) !== 0 || tail < this.heapStart || tail + ts > this.sentinel() || ts < Chunk.MIN_CHUNK) {
      throw corrupt(tail, `corrupted region tail of size group ${g}: header ${u32[tail >>> 2]}, marker ${info}`);
    }
    this.grew = (info & Chunk.FRESH) !== 0;
    const rest = ts - csize;
    if (rest >= Chunk.MIN_CHUNK) {
      u32[tail >>> 2] = csize | Chunk.USED | (u32[tail >>> 2] & Chunk.PREV_USED);
      const t = tail + csize;
      u32[t >>> 2] = rest | Chunk.USED | Chunk.PREV_USED;
      u32[(t + 4) >>> 2] = info;
      u32[this.pm + Meta.P_REGION_SLOTS + g] = t;
    } else {
      u32[this.pm + Meta.P_REGION_SLOTS + g] = 0;
      u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1; // the tail is used up
    }
    return tail;
  }

  /**
   * Releases the region tail that ends at chunk c, if there is one and it is
   * bigger than topTailMax (it merges with c); whether one was. A region's
   * last word holds REGION_TAIL | group (written when the region is made:
   * carving takes from the front, so the tail's end and that word stay put);
   * user data that happens to look the same is told apart by the group's
   * slot, which names the one tail of the group.
   */
  private releaseTailBelow(c: number): boolean {
    const u32 = this.u32;
    const mark = u32[(c - 4) >>> 2];
    if (!isRegionTail(mark)) return false;
    const g = mark & 0xff;
    if (g >= Chunk.GROUPS) return false;
    const t = u32[this.pm + Meta.P_REGION_SLOTS + g];
    if (t === 0) return false;
    const ts = sizeOf(u32[t >>> 2]);
    if (t + ts !== c || ts <= this.topTailMax()) return false;
    this.releaseRegion(g, false);
    return true;
  }

  /** The most a region tail may strand at the top, under blocks that come after it. */
  private topTailMax(): number {
    return this.regionStep(Chunk.MIN_CHUNK);
  }

  /**
   * Size of a region taken from the top: 1/64 of the heap (at least 8 chunks,
   * at most REGION_MAX), half of a region cut from a free chunk, so the unused
   * rest of a region strands at most that much above the heap's live data.
   */
  private regionStep(csize: number): number {
    return this.regionSize(csize, 6);
  }

  /** 8 chunks of csize, or heap / 2^heapShift if more, at most REGION_MAX; a multiple of 8. */
  private regionSize(csize: number, heapShift: number): number {
    const r = Math.min(Chunk.REGION_MAX, Math.max(csize * 8, this.heapBytes() >>> heapShift));
    return r - (r % 8);
  }

  private heapBytes(): number {
    return this.u32[this.hw + Hdr.W_BRK] - this.u32[this.hw + Hdr.W_HEAP_START];
  }

  /** Offset of the sentinel chunk: the top chunk, if free, ends here. */
  private sentinel(): number {
    return this.u32[this.hw + Hdr.W_BRK] - 8;
  }

  /** Gives group g's region tail (if any) back as an ordinary free chunk. */
  private releaseRegion(g: number, mayTrim = true): void {
    const u32 = this.u32;
    const slot = this.pm + Meta.P_REGION_SLOTS + g;
    const t = u32[slot];
    if (t === 0) return;
    u32[slot] = 0;
    u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1; // freeRange counts it again
    const h = u32[t >>> 2];
    this.freeRange(t, sizeOf(h), h & Chunk.PREV_USED, false, false);
    if (mayTrim) this.maybeTrimTop(); // a released tail at the top may make the top trimmable
  }

  /** How big a new region for a csize request should be: grows with the heap, bounded. */
  private regionBytes(csize: number): number {
    return this.regionSize(csize, 5);
  }

  private newRegion(g: number, csize: number): number {
    let u32 = this.u32;
    let c = this.fit(csize);
    let size = 0;
    if (c !== 0) {
      size = sizeOf(u32[c >>> 2]);
      // cut from the top chunk, a region is a step, as when the break rises for it
      const want = c + size === this.sentinel() ? this.regionStep(csize) : this.regionBytes(csize);
      binRemove(u32, this.pm, c, size);
      if (size - want >= Chunk.MIN_CHUNK) {
        // keep `want` bytes as the region; the rest stays a free chunk in the bins
        this.putFree(c + want, size - want);
        size = want;
      } else {
        u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1; // c becomes the tail, counted below
        u32[(c + size) >>> 2] |= Chunk.PREV_USED;
      }
    } else {
      c = this.extendTop(this.regionStep(csize));
      if (c === 0) {
        // not room for a whole region: another group's region, or just this request
        const stolen = this.stealRegion(csize);
        if (stolen !== 0) return stolen;
        c = this.extendTop(csize);
        if (c === 0) return 0;
      }
      u32 = this.u32;
      size = sizeOf(u32[c >>> 2]);
      u32[(c + size) >>> 2] |= Chunk.PREV_USED;
    }
    // a region tail is reserved: USED for its neighbours, so they never merge into it
    u32[c >>> 2] = size | Chunk.USED | Chunk.PREV_USED;
    u32[(c + 4) >>> 2] = (Chunk.REGION_TAIL | g | (this.grew ? Chunk.FRESH : 0)) >>> 0;
    u32[(c + size - 4) >>> 2] = (Chunk.REGION_TAIL | g) >>> 0; // the region's end mark: see releaseTailBelow
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
    u32[this.pm + Meta.P_REGION_SLOTS + g] = c;
    return this.carveRegion(g, c, size, csize);
  }

  /** When the heap cannot grow: carve the request from any group's region tail. */
  private stealRegion(csize: number): number {
    const u32 = this.u32;
    this.work += Chunk.GROUPS;
    for (let g = 0; g < Chunk.GROUPS; g++) {
      const t = u32[this.pm + Meta.P_REGION_SLOTS + g];
      if (t !== 0) {
        const ts = sizeOf(u32[t >>> 2]);
        if (ts >= csize) return this.carveRegion(g, t, ts, csize);
      }
    }
    return 0;
  }

  // ───────────────────────────────────────────── the top and the OS layer

  /**
   * Raises the break so that a free chunk of at least `size` bytes ends at the
   * sentinel, absorbing a free last chunk. Returns that chunk, unlinked from
   * its bin, or 0.
   */
  private extendTop(size: number): number {
    let u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    const sentinel = brk - 8;
    let start = sentinel;
    this.checkTop(sentinel);
    if ((u32[sentinel >>> 2] & Chunk.PREV_USED) === 0) {
      const lastSize = u32[(sentinel - 4) >>> 2];
      start = sentinel - lastSize;
      this.unlinkFree(start, lastSize);
    }
    const newBrk = start + size + 8;
    if (newBrk > brk) {
      if (!this.os.raiseBreak(u32, this.f64, newBrk)) {
        if (start !== sentinel) this.relinkFree(start, sentinel - start);
        return 0;
      }
      if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
      u32 = this.u32;
      const ev = this.listener;
      if (ev !== null) ev({ type: 'grow', from: brk, to: newBrk, backing: this.os.backing.byteLength });
      this.grew = true;
      const s = newBrk - 8;
      u32[s >>> 2] = Chunk.USED; // sentinel; its P bit is set when the chunk before it is used
      u32[(s + 4) >>> 2] = 0;
    }
    const total = newBrk > brk ? size : sentinel - start;
    u32[start >>> 2] = total | Chunk.PREV_USED;
    u32[(start + total - 4) >>> 2] = total;
    return start;
  }

  /**
   * The sentinel is a used chunk of size 0; when its P bit says the chunk before it is free,
   * that chunk (the top) must have agreeing boundary tags ("malloc(): corrupted top size").
   */
  private checkTop(sentinel: number): void {
    const u32 = this.u32;
    const sh = u32[sentinel >>> 2];
    if ((sh & ~Chunk.PREV_USED) !== Chunk.USED) throw corrupt(sentinel, `corrupted sentinel before the break: header ${sh}`);
    if ((sh & Chunk.PREV_USED) !== 0) return;
    const lastSize = u32[(sentinel - 4) >>> 2];
    const last = sentinel - lastSize;
    if (lastSize < Chunk.MIN_CHUNK || (lastSize & 7) !== 0 || last < this.heapStart || ((u32[last >>> 2] & ~Chunk.PREV_USED) >>> 0) !== lastSize) {
      throw corrupt(last, `corrupted top block: its footer says ${lastSize} bytes, its header ${u32[last >>> 2]}`);
    }
  }

  /** Unlinks a free chunk from its bin and stops counting it as free. */
  private unlinkFree(c: number, size: number): void {
    binRemove(this.u32, this.pm, c, size);
    this.u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
  }

  private relinkFree(c: number, size: number): void {
    this.putFree(c, size);
    this.u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
  }

  /** A free chunk of at least `size` bytes from the bins (findFit), or 0; a link outside the heap's blocks is damage. */
  private fit(size: number): number {
    const f = findFit(this.u32, this.pm, size, this);
    if (f !== 0 && (f < this.heapStart || f >= this.sentinel() || (f & 7) !== 0)) {
      throw corrupt(f, `corrupted bin: a free-list link points at ${f}, outside the heap's blocks [${this.heapStart}, ${this.sentinel()})`);
    }
    return f;
  }

  /** A chunk of csize bytes from the top of the heap (used, flags set), or 0. */
  private growTop(csize: number): number {
    const c = this.extendTop(csize);
    if (c === 0) return 0;
    return this.useChunk(c, sizeOf(this.u32[c >>> 2]), csize);
  }

  /** Large requests: a page-aligned run whose payload starts on a page. */
  private mapRun(n: number): number {
    const page = this.u32[this.hw + Hdr.W_PAGE_SIZE];
    if (page < 8 || page > 2 ** 30 || (page & (page - 1)) !== 0) throw corrupt(this.hw * 4, `corrupted heap header: pageSize ${page}`);
    const t = n + Chunk.HEADER;
    const csize = Math.ceil(t / page) * page;
    const c = this.alignedChunk(page, csize);
    if (c === 0) return 0;
    const u32 = this.u32;
    u32[c >>> 2] |= Chunk.MAPPED;
    const f64 = this.f64;
    f64[this.hf + Hdr.F_RUNS_MAPPED] += 1;
    const size = sizeOf(u32[c >>> 2]);
    f64[this.hf + Hdr.F_MAPPED_BYTES] += size;
    const ev = this.listener;
    if (ev !== null) ev({ type: 'map', ptr: c + Chunk.HEADER, size });
    return this.finishAlloc(c, n);
  }

  /**
   * A used chunk of at least csize bytes whose payload is aligned to `align`
   * (a power of two > 8), from the bins or the top, or 0. The space before the
   * aligned position becomes a free chunk (at least MIN_CHUNK, or nothing).
   */
  private alignedChunk(align: number, csize: number): number {
    this.grew = false;
    const u32 = this.u32;
    // a free chunk big enough to hold an aligned position with a splittable lead
    let c = this.fit(csize + align + Chunk.MIN_CHUNK);
    let size: number;
    if (c !== 0) {
      size = sizeOf(u32[c >>> 2]);
      this.unlinkFree(c, size);
    } else {
      // from the top: compute the aligned start first, so the break rises no more than needed
      const brk = u32[this.hw + Hdr.W_BRK];
      const sentinel = brk - 8;
      let start = sentinel;
      if ((u32[sentinel >>> 2] & Chunk.PREV_USED) === 0) start = sentinel - u32[(sentinel - 4) >>> 2];
      let p = alignUp(start + Chunk.HEADER, align);
      if (p - Chunk.HEADER - start !== 0 && p - Chunk.HEADER - start < Chunk.MIN_CHUNK) p += align;
      const need = p - Chunk.HEADER + csize - start;
      c = this.extendTop(need);
      if (c === 0) return 0;
      size = sizeOf(this.u32[c >>> 2]);
    }
    const lu32 = this.u32;
    let p = alignUp(c + Chunk.HEADER, align);
    if (p - Chunk.HEADER - c !== 0 && p - Chunk.HEADER - c < Chunk.MIN_CHUNK) p += align;
    const a = p - Chunk.HEADER;
    const lead = a - c;
    if (lead !== 0) {
      // the lead becomes free; it cannot have a free neighbour before it (c was free)
      const prevBit = lu32[c >>> 2] & Chunk.PREV_USED;
      lu32[c >>> 2] = lead | prevBit;
      lu32[(c + lead - 4) >>> 2] = lead;
      binInsert(lu32, this.pm, c, lead);
      lu32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
      lu32[a >>> 2] = (size - lead) | 0; // P bit clear: the lead before it is free
    }
    return this.useChunk(a, size - lead, csize);
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    const csize = chunkSizeFor(n);
    const ev = this.listener;
    if (ev !== null) ev({ type: 'malloc', size: n, chunk: csize });
    const c = this.alignedChunk(alignment, csize);
    if (c === 0) return 0;
    return this.finishAlloc(c, n);
  }

  // ───────────────────────────────────────────── free

  /**
   * Validates p as the start of a live block and returns its chunk, or throws
   * InvalidPointerError / DoubleFreeError. Nothing is modified.
   *
   * Guaranteed caught: non-numbers, non-integers, misaligned, below the first
   * block or at/after the break (so inside the metadata or the static area),
   * a chunk whose size, successor P bit or requested size is inconsistent, a
   * free chunk (double free). A forged pointer whose 8 bytes before it look
   * exactly like a consistent header cannot always be told apart (as in glibc).
   */
  chunkOf(op: string, p: unknown): number {
    // one test for "an integer in [0, 2^32) that is a multiple of 8"
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    if (p < this.heapStart + Chunk.HEADER || p >= brk - 8) throw this.badChunk(op, p, BadChunk.OUTSIDE);
    const c = p - Chunk.HEADER;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    const next = c + size;
    if (size < Chunk.MIN_CHUNK || next > brk - 8) throw this.badChunk(op, p, BadChunk.BAD_SIZE);
    const nh = u32[next >>> 2];
    if ((h & Chunk.USED) === 0) throw this.badChunk(op, p, BadChunk.NOT_USED);
    if ((nh & Chunk.PREV_USED) === 0) throw this.badChunk(op, p, BadChunk.NEXT_DISAGREES);
    const slack = size - Chunk.HEADER - u32[(c + 4) >>> 2];
    if (slack < 0 || (slack > Chunk.MAX_SLACK && ((h & Chunk.MAPPED) === 0 || slack > Chunk.MAX_SLACK + u32[this.hw + Hdr.W_PAGE_SIZE] * 2))) {
      throw this.badChunk(op, p, BadChunk.BAD_REQUEST);
    }
    return c;
  }

  /**
   * Whether offset c lies strictly inside a chunk of an intact chunk chain (walking from the
   * first chunk by sizes): then a pointer at c + 8 is an interior or forged pointer. False when
   * c is a chunk boundary, or when the walk meets a damaged size before reaching c.
   */
  private isInteriorOfIntactChain(c: number): boolean {
    const u32 = this.u32;
    const sentinel = this.sentinel();
    let at = this.heapStart;
    while (at < c) {
      const size = sizeOf(u32[at >>> 2]);
      if (size < Chunk.MIN_CHUNK || at + size > sentinel) return false;
      at += size;
    }
    return at !== c;
  }

  /** Whether c is where a group's region tail starts (a freed block returned to its region starts it). */
  private isRegionTailStart(c: number): boolean {
    if (c < this.heapStart) return false; // a slot of 0 means no tail, and nothing below the heap start is one
    for (let g = 0; g < Chunk.GROUPS; g++) if (this.u32[this.pm + Meta.P_REGION_SLOTS + g] === c) return true;
    return false;
  }

  /** A free neighbour about to be merged has boundary tags that disagree (or an impossible size). */
  private badNeighbour(c: number, size: number, which: 'next' | 'previous'): HeapError {
    return corrupt(c, `corrupted ${which} free block: its size ${size} and its boundary tags disagree `
      + `(header ${this.u32[c >>> 2]}, footer ${this.u32[(c + size - 4) >>> 2]}); a write past the end of a block?`);
  }

  /** The small bin of csize held chunk c that is not a free chunk of that size, or whose links disagree. */
  private badBinHead(c: number, csize: number): HeapError {
    const h = this.u32[c >>> 2];
    if ((h & ~Chunk.PREV_USED) !== csize) {
      return corrupt(c, `corrupted small bin: the bin of ${csize}-byte blocks holds a block whose header says `
        + `${h === undefined ? 'nothing (outside the heap)' : `size ${sizeOf(h)}${(h & Chunk.USED) !== 0 ? ', used' : ''}`}`);
    }
    return badLinks(this.u32, c, c);
  }

  /**
   * The error for a pointer chunkOf refused. Out of line, with the messages:
   * chunkOf is on every free and realloc, and V8 inlines only small functions
   * (a bigger hot path would be called, not inlined, depending on JIT history).
   */
  private badChunk(op: string, p: number, why: BadChunk): HeapError {
    // whatever the pointer looks like, damaged metadata found by a walk is the real finding
    // (a trusted last-freed word or header could otherwise name a double free or bad pointer)
    return damagedOr(() => this.check(), this.refusal(op, p, why));
  }

  private refusal(op: string, p: number, why: BadChunk): HeapError {
    const u32 = this.u32;
    const start = this.heapStart;
    const brk = u32[this.hw + Hdr.W_BRK];
    if ((p !== 0 && p === u32[this.pm + Meta.P_LAST_FREED]) || this.isRegionTailStart(p - Chunk.HEADER)) return new DoubleFreeError(op, p);
    // A pointer at a block boundary whose header fails the checks is a live block with damaged
    // metadata, not a bad pointer: say so (the walk runs on this error path only).
    if (why !== BadChunk.OUTSIDE && !this.isInteriorOfIntactChain(p - Chunk.HEADER)) {
      return corrupt(p - Chunk.HEADER, `${op}(${p}): the block's header or its neighbour's is damaged `
        + `(header ${u32[(p - Chunk.HEADER) >>> 2]}): a write past the end of the block before it, or before its start?`);
    }
    switch (why) {
      case BadChunk.OUTSIDE:
        return new InvalidPointerError(op, p, `outside the heap's blocks [${start + Chunk.HEADER}, ${brk - 8})` +
          (p < start ? ' (in the allocator metadata or static area)' : ''));
      case BadChunk.BAD_SIZE:
        return new InvalidPointerError(op, p, 'not the start of a block (bad size in header)');
      case BadChunk.NOT_USED: {
        const c = p - Chunk.HEADER;
        const size = sizeOf(u32[c >>> 2]);
        const nh = u32[(c + size) >>> 2];
        if ((nh & Chunk.PREV_USED) === 0 && u32[(c + size - 4) >>> 2] === size) return new DoubleFreeError(op, p);
        return new InvalidPointerError(op, p, 'not the start of a live block');
      }
      case BadChunk.NEXT_DISAGREES:
        return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with the next block)');
      default:
        return new InvalidPointerError(op, p, 'not the start of a block (header inconsistent with its size)');
    }
  }

  free(p: number): void {
    this.work += 4; // the chunk, both neighbours, one bin list
    const c = this.chunkOf('free', p);
    this.releaseChunk(c);
  }

  private releaseChunk(c: number): void {
    const u32 = this.u32;
    const hw = this.hw;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    u32[hw + Hdr.W_LIVE_BYTES] -= u32[(c + 4) >>> 2];
    u32[hw + Hdr.W_USED_BYTES] -= size;
    u32[this.pm + Meta.P_LAST_FREED] = c + Chunk.HEADER;
    this.f64[this.hf + Hdr.F_FREES] += 1;
    if (this.listener !== null) this.emitFree(c, size, h);
    const mapped = (h & Chunk.MAPPED) !== 0;
    if (mapped) {
      this.f64[this.hf + Hdr.F_RUNS_UNMAPPED] += 1;
      this.f64[this.hf + Hdr.F_MAPPED_BYTES] -= size;
    }
    this.freeRange(c, size, h & Chunk.PREV_USED, mapped);
  }

  /** The 'free' event, and 'unmap' for a page run. Out of line: see emit. */
  private emitFree(c: number, size: number, h: number): void {
    const ev = this.listener;
    if (ev === null) return;
    ev({ type: 'free', ptr: c + Chunk.HEADER, size });
    if ((h & Chunk.MAPPED) !== 0) ev({ type: 'unmap', ptr: c + Chunk.HEADER, size });
  }

  /**
   * Makes [c, c+size) free, merging with free neighbours; the chunk's former
   * content is ignored. prevBit: whether the chunk before c is used. A free top
   * chunk past trimThreshold (or a released page run) is trimmed when mayTrim.
   */
  private freeRange(c: number, size: number, prevBit: number, forceTrim: boolean, mayTrim = true): void {
    const u32 = this.u32;
    const pm = this.pm;
    let start = c;
    let total = size;
    let mergedNext = 0;
    const next = c + size;
    const nh = u32[next >>> 2];
    if ((nh & Chunk.USED) !== 0) {
      if (mayTrim && isRegionTail(u32[(next + 4) >>> 2])) {
        this.returnToRegion(c, prevBit, next, nh);
        return;
      }
    } else {
      // Absorbed headers are erased: a stale header inside a merged chunk would
      // let a second free of the same pointer pass validation.
      const ns = sizeOf(nh);
      if (ns < Chunk.MIN_CHUNK || next + ns > this.sentinel() || u32[(next + ns - 4) >>> 2] !== ns) throw this.badNeighbour(next, ns, 'next');
      binRemove(u32, pm, next, ns);
      u32[next >>> 2] = 0;
      total += ns;
      mergedNext = next;
    }
    if (prevBit === 0) {
      const ps = u32[(c - 4) >>> 2];
      start = c - ps;
      if (ps < Chunk.MIN_CHUNK || (ps & 7) !== 0 || start < this.heapStart || ((u32[start >>> 2] & ~Chunk.PREV_USED) >>> 0) !== ps) {
        throw this.badNeighbour(start, ps, 'previous');
      }
      binRemove(u32, pm, start, ps);
      u32[c >>> 2] = 0;
      total += ps;
    }
    this.putFree(start, total);
    const merged = (mergedNext !== 0 ? 1 : 0) + (start !== c ? 1 : 0);
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1 - merged;
    if (merged !== 0 && this.listener !== null) this.emitCoalesce(start, start !== c ? start : 0, mergedNext, total);
    if (mayTrim && start + total === this.sentinel() && (forceTrim || total > u32[this.hw + Hdr.W_TRIM_THRESHOLD])) {
      this.trimTop(0);
    }
  }

  /** The 'coalesce' event (prev, next: the chunks merged in, 0 for none). Out of line: see emit. */
  private emitCoalesce(start: number, prev: number, next: number, size: number): void {
    this.emit({ type: 'coalesce', block: start + Chunk.HEADER, prev: prev && prev + Chunk.HEADER, next: next && next + Chunk.HEADER, size });
  }

  /** Automatic trim: the free top chunk past trimThreshold goes back to the OS layer. */
  private maybeTrimTop(): void {
    const u32 = this.u32;
    const sentinel = this.sentinel();
    if ((u32[sentinel >>> 2] & Chunk.PREV_USED) === 0 && u32[(sentinel - 4) >>> 2] > u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trimTop(0);
  }

  /**
   * The chunk just before a region tail goes back into the region (the tail
   * grows down over it, and over a free chunk before it), so a stack-like
   * pattern of small blocks carves and returns the same bytes. A tail that
   * grows past maxTailBytes is released to the bins, so a region never keeps
   * more than that from other sizes.
   */
  private returnToRegion(c: number, prevBit: number, tail: number, th: number): void {
    const u32 = this.u32;
    let start = c;
    let mergedPrev = 0;
    if (prevBit === 0) {
      const ps = u32[(c - 4) >>> 2];
      start = c - ps;
      this.unlinkFree(start, ps);
      mergedPrev = start;
    }
    if (start !== c) u32[c >>> 2] = 0;
    const info = u32[(tail + 4) >>> 2];
    u32[tail >>> 2] = 0;
    const g = info & 0xff;
    const total = tail - start + sizeOf(th);
    u32[start >>> 2] = total | Chunk.USED | Chunk.PREV_USED;
    u32[(start + 4) >>> 2] = info & ~Chunk.FRESH;
    u32[this.pm + Meta.P_REGION_SLOTS + g] = start;
    if (this.listener !== null) this.emitCoalesce(start, mergedPrev, tail, total);
    if (total > this.maxTailBytes(g)) this.releaseRegion(g);
  }

  /**
   * At least the biggest region group g can be given (8 of its largest
   * chunks), or a block freed back into a fresh region would release it at
   * once, and a malloc/free loop would make and release a region every time.
   */
  private maxTailBytes(g: number): number {
    return Math.max(256 << g, Math.min(Chunk.REGION_MAX, this.heapBytes() >>> 4));
  }

  // ───────────────────────────────────────────── realloc

  realloc(p: number, n: number): number {
    const c = this.chunkOf('realloc', p);
    const u32 = this.u32;
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    const old = u32[(c + 4) >>> 2];
    const csize = chunkSizeFor(n);
    const ev = this.listener;
    if (csize <= size) {
      // shrink in place; a tail of at least MIN_CHUNK goes back to the free lists
      this.setRequested(c, old, n);
      if (size - csize >= Chunk.MIN_CHUNK) {
        u32[c >>> 2] = csize | (h & Chunk.FLAGS);
        u32[this.hw + Hdr.W_USED_BYTES] -= size - csize;
        if ((h & Chunk.MAPPED) !== 0) this.f64[this.hf + Hdr.F_MAPPED_BYTES] -= size - csize;
        this.freeRange(c + csize, size - csize, Chunk.PREV_USED, false);
      }
      if (ev !== null) ev({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
      return p;
    }
    // grow in place: into a free neighbour and/or the top
    const next = c + size;
    const nh = u32[next >>> 2];
    const brk = u32[this.hw + Hdr.W_BRK];
    let avail = size;
    let end = next;
    if ((nh & Chunk.USED) === 0) { avail += sizeOf(nh); end = next + sizeOf(nh); }
    const atTop = end === brk - 8;
    if (avail >= csize || atTop) {
      if (end !== next) {
        this.unlinkFree(next, sizeOf(nh));
        u32[next >>> 2] = 0;
      }
      // At the top, a free chunk before the block is taken too (the block slides
      // down once), so the break rises only by what is really missing.
      let start = c;
      let flags = h & Chunk.FLAGS;
      if (atTop && avail < csize && (h & Chunk.PREV_USED) === 0 && (h & Chunk.MAPPED) === 0) {
        const ps = u32[(c - 4) >>> 2];
        start = c - ps;
        this.unlinkFree(start, ps);
        avail += ps;
        flags = (flags & ~Chunk.PREV_USED) | (u32[start >>> 2] & Chunk.PREV_USED);
      }
      let total = avail;
      if (total < csize) {
        // at the top: raise the break by the difference
        const newBrk = start + csize + 8;
        if (!this.os.raiseBreak(this.u32, this.f64, newBrk)) {
          if (start !== c) this.relinkFree(start, c - start);
          if (end !== next) this.relinkFree(next, end - next);
          return this.reallocMove(c, p, n, old);
        }
        if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
        if (ev !== null) ev({ type: 'grow', from: brk, to: newBrk, backing: this.os.backing.byteLength });
        const s = newBrk - 8;
        this.u32[s >>> 2] = Chunk.USED | Chunk.PREV_USED;
        this.u32[(s + 4) >>> 2] = 0;
        total = csize;
      }
      const lu32 = this.u32;
      if (start !== c) {
        this.u8.copyWithin(start + Chunk.HEADER, p, p + old);
        // the old header is stale now, unless the moved payload already overwrote it
        if (c >= start + Chunk.HEADER + old) lu32[c >>> 2] = 0;
      }
      lu32[start >>> 2] = total | flags;
      lu32[(start + total) >>> 2] |= Chunk.PREV_USED;
      lu32[this.hw + Hdr.W_USED_BYTES] += total - size;
      if ((h & Chunk.MAPPED) !== 0) this.f64[this.hf + Hdr.F_MAPPED_BYTES] += total - size;
      if (total - csize >= Chunk.MIN_CHUNK) {
        lu32[start >>> 2] = csize | flags;
        lu32[this.hw + Hdr.W_USED_BYTES] -= total - csize;
        if ((h & Chunk.MAPPED) !== 0) this.f64[this.hf + Hdr.F_MAPPED_BYTES] -= total - csize;
        this.freeRange(start + csize, total - csize, Chunk.PREV_USED, false);
      }
      this.setRequested(start, old, n);
      const q = start + Chunk.HEADER;
      if (ev !== null) ev({ type: 'realloc', ptr: p, size: n, result: q, inPlace: q === p });
      return q;
    }
    return this.reallocMove(c, p, n, old);
  }

  private setRequested(c: number, old: number, n: number): void {
    this.u32[(c + 4) >>> 2] = n;
    const live = this.u32[this.hw + Hdr.W_LIVE_BYTES] + n - old;
    this.u32[this.hw + Hdr.W_LIVE_BYTES] = live;
    if (live > this.u32[this.hw + Hdr.W_PEAK_LIVE_BYTES]) this.u32[this.hw + Hdr.W_PEAK_LIVE_BYTES] = live;
  }

  private reallocMove(c: number, p: number, n: number, old: number): number {
    // The old block stops counting as live first, so the peak is that of C's
    // realloc (old and new never count together), as malloc-lab measures it.
    this.u32[this.hw + Hdr.W_LIVE_BYTES] -= old;
    const q = this.mallocSlow(n, chunkSizeFor(n));
    this.u32[this.hw + Hdr.W_LIVE_BYTES] += old;
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.releaseChunk(c);
    const ev = this.listener;
    if (ev !== null) ev({ type: 'realloc', ptr: p, size: n, result: q, inPlace: false });
    return q;
  }

  usableSize(p: number): number {
    const c = this.chunkOf('usableSize', p);
    return sizeOf(this.u32[c >>> 2]) - Chunk.HEADER;
  }

  // ───────────────────────────────────────────── trim, check, walk

  /** Returns how far the break fell (releasing a region tail may already trim, automatically). */
  trim(pad: number): number {
    const before = this.u32[this.hw + Hdr.W_BRK];
    this.releaseTopRegion();
    this.trimTop(pad);
    return before - this.u32[this.hw + Hdr.W_BRK];
  }

  /** Gives the free top chunk back to the OS layer, keeping `pad` bytes of it. */
  private trimTop(pad: number): void {
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    const sentinel = brk - 8;
    this.checkTop(sentinel);
    if ((u32[sentinel >>> 2] & Chunk.PREV_USED) !== 0) return;
    const lastSize = u32[(sentinel - 4) >>> 2];
    const last = sentinel - lastSize;
    const keep = pad <= 0 ? 0 : Math.max(Chunk.MIN_CHUNK, pad + 7 - ((pad + 7) % 8));
    if (keep >= lastSize) return;
    this.unlinkFree(last, lastSize);
    const newSentinel = last + keep;
    if (keep !== 0) this.relinkFree(last, keep);
    u32[newSentinel >>> 2] = Chunk.USED | (keep !== 0 ? 0 : Chunk.PREV_USED);
    u32[(newSentinel + 4) >>> 2] = 0;
    const newBrk = newSentinel + 8;
    const released = brk - newBrk;
    this.os.lowerBreak(u32, this.f64, newBrk);
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation || this.u32.length === 0) this.refresh();
    const ev = this.listener;
    if (ev !== null) ev({ type: 'trim', from: brk, to: newBrk, released });
  }

  /**
   * Region tails at the top — the last chunk, or followed only by the free top chunk —
   * would keep the top from being trimmed: they are released, as many as end up in the
   * top once the ones above them are (at most GROUPS rounds), so that an explicit trim()
   * of a heap whose blocks are all free gives everything back.
   */
  private releaseTopRegion(): void {
    for (let round = 0; round < Chunk.GROUPS; round++) {
      const u32 = this.u32;
      const sentinel = this.sentinel();
      let released = false;
      for (let g = 0; g < Chunk.GROUPS; g++) {
        const t = u32[this.pm + Meta.P_REGION_SLOTS + g];
        if (t === 0) continue;
        const end = t + sizeOf(u32[t >>> 2]);
        const nh = u32[end >>> 2];
        if (end === sentinel || ((nh & Chunk.USED) === 0 && end + sizeOf(nh) === sentinel)) {
          this.releaseRegion(g, false);
          released = true;
        }
      }
      if (!released) return;
    }
  }

  check(): void {
    checkHeap(this);
  }

  blocks(): BlockInfo[] {
    return walkBlocks(this);
  }

  internals(): PolicyInternals {
    return segfitInternals(this);
  }

  /** O(1) but for largestFreeBlock, which scans the highest non-empty bin (at most 64 chunks). */
  usage(): PolicyUsage {
    const u32 = this.u32;
    const hw = this.hw;
    let largest = largestInBins(u32, this.pm, 64);
    for (let g = 0; g < Chunk.GROUPS; g++) {
      const t = u32[this.pm + Meta.P_REGION_SLOTS + g];
      if (t !== 0) largest = Math.max(largest, sizeOf(u32[t >>> 2]));
    }
    const usedBytes = u32[hw + Hdr.W_USED_BYTES];
    return {
      usedBytes,
      freeBytes: checkedBreak(u32, hw, Hdr.W_BRK) - 8 - this.heapStart - usedBytes,
      freeBlocks: u32[hw + Hdr.W_FREE_BLOCKS],
      largestFreeBlock: largest,
    };
  }

  /**
   * Beyond MAX_REQUEST no chunk size fits in 32 bits, and the chunk markers (second
   * word >= 2^32 - 2^16) stay unambiguous; below it, what maxSize leaves after the metadata.
   */
  maxRequest(): number {
    return Math.min(MAX_REQUEST, this.f64[this.hf + Hdr.F_MAX_SIZE] - this.u32[this.hw + Hdr.W_META_BYTES]);
  }
}

/** Largest request segfit considers at all (see maxRequest). */
const MAX_REQUEST = 2 ** 32 - 2 ** 17;

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

export const segfitPolicy: PolicyFactory = {
  policyId: SEGFIT_POLICY_ID,
  name: 'segfit',
  kind: 'general',
  metadataBytes: Meta.POLICY_WORDS * 4,
  create: (os) => new SegFit(os),
};


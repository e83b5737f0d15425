/**
 * The pages allocator: size-class pages with per-page free lists (see layout.ts for the
 * diagram and the invariants).
 *
 * malloc(n <= 8 KiB):  class = CLASS_OF[ceil(n/8)] ─▶ the class's first page ─▶ pop its free list   O(1)
 *                        │ list empty
 *                        ▼
 *                      thread reserved blocks onto it (a few KiB) / drop a full page from the list
 *                        │ no page with room
 *                        ▼
 *                      a free slot (lowest first), or raise the break by a slot
 * malloc(n > 8 KiB):   a span of whole slots of its own (page-aligned payload when mapped)
 *
 * free(p):  slot of p ─▶ page header ─▶ block index (one multiply) ─▶ used bit ─▶ push   O(1)
 *           a page that empties goes back to the free slots (the last page of its class
 *           stays, so a malloc/free loop does not take and give a slot each time); free
 *           slots at the top past trimThreshold go back to the OS layer.
 *
 * No coalescing between blocks: a freed block is reused only by its own class.
 */
import { DoubleFreeError, HeapError, InvalidPointerError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countFree, countResize } from '../counters.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { blockAlign, blockIndex, CLASS_COUNT, CLASS_OF, CLASS_SIZE, divisorOf, PAGES_POLICY_ID, pageCapacity, Pg, Tune } from './layout.js';
import { bitAt, clearBits, findRun, setBitAtOrBelow, setBits } from './slots.js';
import { checkedBreak, corrupt, damagedOr, walkBudget } from '../integrity.js';
import { checkPages, freeRunsOf, pagesUsage, reservedOf, walkPages, type Spare } from './walk.js';
import type { PolicyInternals } from '../../base/internals.js';
import { pagesInternals } from './internals.js';

/** Header word of a span given back to the free slots (its other words kept: see freedBlock). */
export const FREED_MAGIC = 0x46475048; // "HPGF"

/** Largest request pages considers at all. */
const MAX_REQUEST = 2 ** 32 - 2 ** 17;

export class Pages extends PolicyBase implements AllocatorPolicy {
  readonly policyId = PAGES_POLICY_ID;
  readonly name = 'pages';
  readonly metadataBytes = Pg.POLICY_WORDS * 4;

  u16!: Uint16Array;
  /** Byte offset of slot 0; word indices of the head map and the free map. */
  slot0 = 0;
  hm = 0;
  fm = 0;
  /** Largest request served from a size class: SMALL_MAX, or less when mmapThreshold is lower (see isMapped). */
  smallMax = 0;
  /** Set by raise(): the current allocation raised the break. */
  private grew = false;
  /** Set by takeSpan(): the committed bytes of the span it returned. */
  private spanBytes = 0;
  /** What stats() needs of the reserved capacity and the free slots, valid while P_EPOCH stays (usage()). */
  private spare: Spare = { epoch: -1, reservedEpoch: -1, generation: -1, reservedBlocks: 0, reservedMax: 0, runs: 0, runMax: 0 };
  /** Set by resolve(): the block index of a small block, -1 for a large one. */
  private blockIdx = -1;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  override refresh(): void {
    super.refresh();
    // Math.floor, not >>>: a 4 GiB length does not fit the 32 bits a shift works on
    this.u16 = new Uint16Array(this.u8.buffer, 0, Math.floor(this.u8.byteLength / 2));
    this.slot0 = this.u32[this.pm + Pg.P_SLOT0];
    this.hm = this.heapStart >>> 2;
    this.fm = this.hm + this.u32[this.pm + Pg.P_MAP_WORDS];
    // integrity: slot 0 follows the two slot maps (0 before format)
    if (this.slot0 !== 0 && this.slot0 !== this.heapStart + this.u32[this.pm + Pg.P_MAP_WORDS] * 8) {
      throw corrupt(this.pm * 4, `corrupted pages metadata: slot 0 at ${this.slot0}, the slot maps of ${this.u32[this.pm + Pg.P_MAP_WORDS]} words at ${this.heapStart}`);
    }
    // isMapped(n) holds from 8·ceil(T/8) - 15 bytes up (T = mmapThreshold)
    this.smallMax = Math.min(Pg.SMALL_MAX, 8 * Math.ceil(this.u32[this.hw + Hdr.W_MMAP_THRESHOLD] / 8) - 16);
  }

  /** The slot maps take one bit per slot of maxSize each, at heapStart; slot 0 follows them. */
  format(heapStart: number, _options: PolicyOptions): void {
    const maxSize = this.f64[this.hf + Hdr.F_MAX_SIZE];
    const slots = Math.max(1, Math.ceil((maxSize - heapStart) / Pg.SLOT));
    const mapWords = Math.ceil(slots / 32);
    const slot0 = heapStart + mapWords * 8;
    if (slot0 > this.u32[this.hw + Hdr.W_BRK] && !this.os.raiseBreak(this.u32, this.f64, slot0)) {
      throw new RangeError(`createHeap: maxSize ${maxSize} is too small for the pages allocator's slot maps (${slot0} bytes)`);
    }
    this.u32[this.hw + Hdr.W_BRK] = slot0;
    this.refresh();
    const u32 = this.u32;
    u32.fill(0, this.pm, this.pm + Pg.POLICY_WORDS);
    u32[this.pm + Pg.P_SLOT0] = slot0;
    u32[this.pm + Pg.P_MAP_WORDS] = mapWords;
    u32[this.pm + Pg.P_META] = slot0 - heapStart;
    u32.fill(0, heapStart >>> 2, slot0 >>> 2);
    this.refresh();
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    this.work += 1;
    if (n <= this.smallMax && this.listener === null) {
      // fast path: pop the free list of the class's first page
      const u32 = this.u32;
      const c = CLASS_OF[(n + 7) >>> 3];
      const pg = u32[this.pm + c];
      const pw = pg >>> 2;
      const head = u32[pw + Pg.PH_FREE];
      if (pg !== 0 && head !== 0) {
        const bsize = u32[pw + Pg.PH_BSIZE];
        const b = pg + u32[pw + Pg.PH_FIRST] + (head - 1) * bsize;
        const ri = ((pg + Pg.HEADER) >>> 1) + head - 1;
        // integrity: a page of this class, the block and the next on the free list below bump, the block free
        const bump = u32[pw + Pg.PH_BUMP];
        if (u32[pw] !== Pg.SMALL_MAGIC || bsize !== CLASS_SIZE[c] || head > bump || (b & 7) !== 0 || u32[b >>> 2] > bump || this.u16[ri] !== 0) {
          throw this.badPage(pg, c);
        }
        u32[pw + Pg.PH_FREE] = u32[b >>> 2];
        u32[pw + Pg.PH_USED] += 1;
        u32[this.pm + Pg.P_CLASS_FREE + c] -= 1;
        this.u16[ri] = n + 1;
        countAlloc(u32, this.f64, this.hw, this.hf, n, bsize, false);
        return b;
      }
    }
    return this.mallocSlow(n);
  }

  private mallocSlow(n: number): number {
    if (n > this.smallMax) {
      if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: n });
      return this.mallocLarge(n, 8);
    }
    const c = CLASS_OF[(n + 7) >>> 3];
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: CLASS_SIZE[c] });
    return this.mallocClass(c, n);
  }

  /** A block of class c for an n-byte request, or 0. */
  private mallocClass(c: number, n: number): number {
    this.grew = false;
    const pg = this.pageWithRoom(c);
    if (pg === 0) return 0;
    const u32 = this.u32;
    const pw = pg >>> 2;
    const idx = u32[pw + Pg.PH_FREE] - 1;
    const bsize = u32[pw + Pg.PH_BSIZE];
    const b = pg + u32[pw + Pg.PH_FIRST] + idx * bsize;
    const bump = u32[pw + Pg.PH_BUMP];
    if (idx >= bump || (b & 7) !== 0 || u32[b >>> 2] > bump || this.u16[((pg + Pg.HEADER) >>> 1) + idx] !== 0) throw this.badPage(pg, c);
    u32[pw + Pg.PH_FREE] = u32[b >>> 2];
    u32[pw + Pg.PH_USED] += 1;
    u32[this.pm + Pg.P_CLASS_FREE + c] -= 1;
    this.u16[((pg + Pg.HEADER) >>> 1) + idx] = n + 1;
    countAlloc(u32, this.f64, this.hw, this.hf, n, bsize, this.grew);
    if (this.listener !== null) {
      this.emit({ type: 'pages-class', class: c, blockSize: bsize, page: pg });
      this.emit({ type: 'done', ptr: b, size: bsize, reused: !this.grew });
    }
    return b;
  }

  /**
   * The first page of class c with a block on its free list (extended from its reserved
   * blocks if needed), dropping full pages from the list on the way; a new page when none
   * has room; 0 when no slot can be had.
   */
  private pageWithRoom(c: number): number {
    const u32 = this.u32;
    let pg = u32[this.pm + c];
    let budget = walkBudget(this.slot0, u32[this.hw + Hdr.W_BRK], Pg.SLOT);
    while (pg !== 0) {
      this.work += 1;
      const pw = pg >>> 2;
      // integrity: each page on the list is a page of this class (the walk bounded by the slot count)
      if (--budget < 0 || !this.isPage(pg, c)) throw this.badPage(pg, c);
      if (u32[pw + Pg.PH_FREE] !== 0) return pg;
      if (u32[pw + Pg.PH_BUMP] < u32[pw + Pg.PH_CAP]) {
        this.extend(pg);
        return pg;
      }
      const next = u32[pw + Pg.PH_NEXT];
      this.unlinkPage(pg); // full: back in the list when a block is freed
      pg = next;
    }
    return this.newPage(c);
  }

  /** Threads up to EXTEND_BYTES of the page's reserved blocks onto its (empty) free list. */
  private extend(pg: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const bsize = u32[pw + Pg.PH_BSIZE];
    const bump = u32[pw + Pg.PH_BUMP];
    const end = Math.min(u32[pw + Pg.PH_CAP], bump + Math.max(1, (Tune.EXTEND_BYTES / bsize) | 0));
    const first = pg + u32[pw + Pg.PH_FIRST];
    for (let k = bump; k < end - 1; k++) u32[(first + k * bsize) >>> 2] = k + 2;
    u32[(first + (end - 1) * bsize) >>> 2] = 0;
    u32[pw + Pg.PH_FREE] = bump + 1;
    u32[pw + Pg.PH_BUMP] = end;
    u32[this.pm + Pg.P_CLASS_FREE + u32[pw + Pg.PH_CLASS]] += end - bump;
    u32[this.pm + Pg.P_RESERVED_EPOCH] += 1;
    if (this.listener !== null) this.emit({ type: 'pages-extend', page: pg, blocks: end - bump });
  }

  /** A fresh page of class c at the head of its list, or 0. */
  private newPage(c: number): number {
    const bsize = CLASS_SIZE[c];
    const full = pageCapacity(bsize);
    const s = this.takeSpan(1, Pg.HEADER + 2 * full + blockAlign(bsize) + bsize);
    if (s === 0) return 0;
    const u32 = this.u32;
    const pw = s >>> 2;
    const first = alignUp(s + Pg.HEADER + 2 * full, blockAlign(bsize)) - s;
    const cap = Math.min(full, Math.floor((this.spanBytes - first) / bsize));
    u32.fill(0, pw, pw + (Pg.HEADER >>> 2));
    u32[pw + Pg.PH_MAGIC] = Pg.SMALL_MAGIC;
    u32[pw + Pg.PH_CLASS] = c;
    u32[pw + Pg.PH_BSIZE] = bsize;
    u32[pw + Pg.PH_FIRST] = first;
    u32[pw + Pg.PH_CAP] = cap;
    u32[pw + Pg.PH_NSLOTS] = 1;
    u32[pw + Pg.PH_DIV] = divisorOf(bsize);
    u32[pw + Pg.PH_SPAN_BYTES] = this.spanBytes;
    u32[this.pm + Pg.P_META] += this.spanBytes - cap * bsize;
    this.u16.fill(0, (s + Pg.HEADER) >>> 1, ((s + Pg.HEADER) >>> 1) + cap);
    this.linkPage(s);
    if (this.listener !== null) this.emit({ type: 'pages-page', action: 'take', page: s, class: c, slots: 1 });
    this.extend(s);
    return s;
  }

  /** Puts page pg at the head of its class's list. */
  private linkPage(pg: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const hi = this.pm + u32[pw + Pg.PH_CLASS];
    const head = u32[hi];
    u32[pw + Pg.PH_NEXT] = head;
    u32[pw + Pg.PH_PREV] = 0;
    if (head !== 0) u32[(head >>> 2) + Pg.PH_PREV] = pg;
    u32[hi] = pg;
    u32[pw + Pg.PH_FLAGS] |= Pg.IN_LIST;
  }

  private unlinkPage(pg: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const next = u32[pw + Pg.PH_NEXT];
    const prev = u32[pw + Pg.PH_PREV];
    // safe unlinking: the neighbours (or the class's head) point back at the page
    if ((next !== 0 && u32[(next >>> 2) + Pg.PH_PREV] !== pg) || (prev !== 0 ? u32[(prev >>> 2) + Pg.PH_NEXT] : u32[this.pm + u32[pw + Pg.PH_CLASS]]) !== pg) {
      throw corrupt(pg, `corrupted page list: the page's links (next ${next}, prev ${prev}) do not point back at it`);
    }
    if (prev !== 0) u32[(prev >>> 2) + Pg.PH_NEXT] = next;
    else u32[this.pm + u32[pw + Pg.PH_CLASS]] = next;
    if (next !== 0) u32[(next >>> 2) + Pg.PH_PREV] = prev;
    u32[pw + Pg.PH_NEXT] = 0;
    u32[pw + Pg.PH_PREV] = 0;
    u32[pw + Pg.PH_FLAGS] &= ~Pg.IN_LIST;
  }

  /** Whether a chunk-sized n-byte request is a page run ("mmap"): as the other policies count it. */
  private isMapped(n: number): boolean {
    const chunk = n <= 8 ? 16 : Math.ceil((n + 8) / 8) * 8;
    return chunk >= this.u32[this.hw + Hdr.W_MMAP_THRESHOLD];
  }

  /** A span of its own for one block, its payload aligned to `align` (and to a page when mapped), or 0. */
  private mallocLarge(n: number, align: number): number {
    this.grew = false;
    const mapped = this.isMapped(n);
    const pageSize = this.u32[this.hw + Hdr.W_PAGE_SIZE];
    if (pageSize < 8 || pageSize > Pg.SLOT || (pageSize & (pageSize - 1)) !== 0) throw corrupt(this.hw * 4, `corrupted heap header: pageSize ${pageSize}`);
    const a = Math.max(align, mapped ? pageSize : 8);
    const size = Math.max(8, alignUp(n, 8));
    const need = Pg.HEADER + (a - 8) + size;
    const s = this.takeSpan(Math.ceil(need / Pg.SLOT), need);
    if (s === 0) return 0;
    const u32 = this.u32;
    const pw = s >>> 2;
    const p = alignUp(s + Pg.HEADER, a);
    u32.fill(0, pw, pw + (Pg.HEADER >>> 2));
    u32[pw + Pg.PH_MAGIC] = Pg.LARGE_MAGIC;
    u32[pw + Pg.PH_CLASS] = mapped ? Pg.LARGE_MAPPED : 0;
    u32[pw + Pg.PH_BSIZE] = n;
    u32[pw + Pg.PH_FIRST] = p - s;
    u32[pw + Pg.PH_CAP] = a;
    u32[pw + Pg.PH_NSLOTS] = Math.ceil(need / Pg.SLOT);
    u32[pw + Pg.PH_SPAN_BYTES] = this.spanBytes;
    countAlloc(u32, this.f64, this.hw, this.hf, n, this.spanBytes, this.grew);
    if (mapped) {
      this.f64[this.hf + Hdr.F_RUNS_MAPPED] += 1;
      this.f64[this.hf + Hdr.F_MAPPED_BYTES] += this.spanBytes;
    }
    if (this.listener !== null) this.emitLarge(s, p, mapped);
    return p;
  }

  private emitLarge(s: number, p: number, mapped: boolean): void {
    const bytes = this.u32[(s >>> 2) + Pg.PH_SPAN_BYTES];
    this.emit({ type: 'pages-page', action: 'take', page: s, class: -1, slots: this.u32[(s >>> 2) + Pg.PH_NSLOTS] });
    if (mapped) this.emit({ type: 'map', ptr: p, size: bytes });
    this.emit({ type: 'done', ptr: p, size: bytes, reused: !this.grew });
  }

  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= 8) return this.malloc(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: n });
    if (n <= this.smallMax && alignment <= Pg.MAX_BLOCK_ALIGN) {
      // the smallest class whose blocks are multiples of the alignment (the 8 KiB class always is)
      let c = CLASS_OF[(Math.max(n, alignment) + 7) >>> 3];
      while (CLASS_SIZE[c] % alignment !== 0) c++;
      return this.mallocClass(c, n);
    }
    return this.mallocLarge(n, alignment);
  }

  // ───────────────────────────────────────────── slots and the break

  /** Slots below the break (the last may be cut short by maxSize). */
  slotsBelowBreak(): number {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    return brk > this.slot0 ? Math.ceil((brk - this.slot0) / Pg.SLOT) : 0;
  }

  /**
   * A span of k slots (head bit set, free bits cleared), its committed bytes in
   * this.spanBytes: free slots first (lowest), else from the top, where free slots just
   * below the break join it and the break rises. When maxSize leaves no room for the whole
   * slots at the top, the span gets `minBytes` if that fits. Returns 0 when nothing fits.
   */
  private takeSpan(k: number, minBytes: number): number {
    const s = this.takeSpanOnce(k, minBytes);
    // out of room: the empty pages kept for their classes go back, and one more try
    return s !== 0 || this.releaseEmptyPages() === 0 ? s : this.takeSpanOnce(k, minBytes);
  }

  private takeSpanOnce(k: number, minBytes: number): number {
    const below = this.slotsBelowBreak();
    let i = findRun(this.u32, this.fm, below, k, this);
    if (i >= 0) {
      clearBits(this.u32, this.fm, i, i + k);
      this.spanBytes = k * Pg.SLOT;
    } else {
      const u32 = this.u32;
      const brk = u32[this.hw + Hdr.W_BRK];
      i = below;
      while (i > 0 && below - i < k && bitAt(u32, this.fm, i - 1)) i--;
      const s = this.slot0 + i * Pg.SLOT;
      const cut = brk - this.slot0 - (below - 1) * Pg.SLOT < Pg.SLOT ? below - 1 : -1;
      if (!this.raise(s + k * Pg.SLOT)) {
        // maxSize leaves no room for the whole slots: as much as this span needs
        const least = alignUp(s + minBytes, 8);
        if (least > brk && !this.raise(least)) return 0;
      }
      if (cut >= 0 && this.u32[this.hw + Hdr.W_BRK] > brk) this.completeSpan(cut);
      clearBits(this.u32, this.fm, i, below);
      this.spanBytes = Math.min(k * Pg.SLOT, this.u32[this.hw + Hdr.W_BRK] - s);
    }
    setBits(this.u32, this.hm, i, i + 1);
    this.u32[this.pm + Pg.P_EPOCH] += 1;
    return this.slot0 + i * Pg.SLOT;
  }

  /**
   * The break rose past the span that was cut short at maxSize (its last slot is `slot`):
   * the span gets its whole slots, so that only the last span is ever cut short. A page's
   * capacity grows to a full page's; a large block's usable size grows.
   */
  private completeSpan(slot: number): void {
    const u32 = this.u32;
    u32[this.pm + Pg.P_EPOCH] += 1;
    u32[this.pm + Pg.P_RESERVED_EPOCH] += 1;
    const s = this.slot0 + setBitAtOrBelow(u32, this.hm, slot) * Pg.SLOT;
    const pw = s >>> 2;
    const whole = u32[pw + Pg.PH_NSLOTS] * Pg.SLOT;
    const delta = whole - u32[pw + Pg.PH_SPAN_BYTES];
    u32[pw + Pg.PH_SPAN_BYTES] = whole;
    if (u32[pw] === Pg.SMALL_MAGIC) {
      const full = pageCapacity(u32[pw + Pg.PH_BSIZE]);
      const ri = (s + Pg.HEADER) >>> 1;
      this.u16.fill(0, ri + u32[pw + Pg.PH_CAP], ri + full);
      u32[this.pm + Pg.P_META] += delta - (full - u32[pw + Pg.PH_CAP]) * u32[pw + Pg.PH_BSIZE];
      u32[pw + Pg.PH_CAP] = full;
      if ((u32[pw + Pg.PH_FLAGS] & Pg.IN_LIST) === 0) this.linkPage(s);
      return;
    }
    u32[this.hw + Hdr.W_USED_BYTES] += delta;
    if ((u32[pw + Pg.PH_CLASS] & Pg.LARGE_MAPPED) !== 0) this.f64[this.hf + Hdr.F_MAPPED_BYTES] += delta;
  }

  /** Raises the break to newBrk (views refreshed); false when the OS layer refuses. */
  private raise(newBrk: number): boolean {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    if (!this.os.raiseBreak(this.u32, this.f64, newBrk)) return false;
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
    this.grew = true;
    if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: newBrk, backing: this.os.backing.byteLength });
    return true;
  }

  /**
   * Gives span s back: its slots become free, or, when it ends at the break, the break
   * falls to its start (a span cut short at maxSize never leaves part of a slot free).
   * Free slots at the top past trimThreshold go back too when mayTrim.
   */
  private releaseSpan(s: number, mayTrim: boolean): void {
    const u32 = this.u32;
    const pw = s >>> 2;
    const k = u32[pw + Pg.PH_NSLOTS];
    const i = (s - this.slot0) / Pg.SLOT;
    const cls = u32[pw + Pg.PH_MAGIC] === Pg.SMALL_MAGIC ? u32[pw + Pg.PH_CLASS] : -1;
    if (cls >= 0) {
      // an empty page: its blocks below bump were all on its free list
      u32[this.pm + Pg.P_CLASS_FREE + cls] -= u32[pw + Pg.PH_BUMP];
      u32[this.pm + Pg.P_META] -= u32[pw + Pg.PH_SPAN_BYTES] - u32[pw + Pg.PH_CAP] * u32[pw + Pg.PH_BSIZE];
      u32[this.pm + Pg.P_RESERVED_EPOCH] += 1;
    }
    u32[this.pm + Pg.P_EPOCH] += 1;
    u32[pw + Pg.PH_MAGIC] = FREED_MAGIC;
    clearBits(u32, this.hm, i, i + 1);
    if (this.listener !== null) this.emit({ type: 'pages-page', action: 'release', page: s, class: cls, slots: k });
    const brk = u32[this.hw + Hdr.W_BRK];
    if (s + u32[pw + Pg.PH_SPAN_BYTES] >= brk) {
      this.lower(s);
    } else {
      setBits(u32, this.fm, i, i + k);
    }
    if (mayTrim && this.topFreeBytes() > this.u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trimTop(0);
  }

  /** Bytes of the free slots that end at the break. */
  private topFreeBytes(): number {
    const below = this.slotsBelowBreak();
    let i = below;
    while (i > 0 && bitAt(this.u32, this.fm, i - 1)) i--;
    return (below - i) * Pg.SLOT;
  }

  /** Gives the free slots at the top back to the OS layer, keeping `keep` of them. */
  private trimTop(keep: number): void {
    const below = this.slotsBelowBreak();
    let i = below;
    while (i > 0 && bitAt(this.u32, this.fm, i - 1)) i--;
    if (below - i <= keep) return;
    clearBits(this.u32, this.fm, i + keep, below);
    this.lower(this.slot0 + (i + keep) * Pg.SLOT);
  }

  private lower(newBrk: number): void {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    this.u32[this.pm + Pg.P_EPOCH] += 1;
    this.os.lowerBreak(this.u32, this.f64, newBrk);
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation || this.u32.length === 0) this.refresh();
    if (this.listener !== null) this.emit({ type: 'trim', from: brk, to: newBrk, released: brk - newBrk });
  }

  // ───────────────────────────────────────────── free

  free(p: number): void {
    this.work += 1;
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw this.badValue('free', p);
    const u32 = this.u32;
    const i = (p - this.slot0) >>> Pg.SLOT_SHIFT;
    const pg = this.slot0 + i * Pg.SLOT;
    const pw = pg >>> 2;
    if (p > this.slot0 && p < u32[this.hw + Hdr.W_BRK] && u32[pw] === Pg.SMALL_MAGIC && (u32[this.hm + (i >>> 5)] & (1 << (i & 31))) !== 0) {
      const rel = p - pg - u32[pw + Pg.PH_FIRST];
      const bsize = u32[pw + Pg.PH_BSIZE];
      const idx = blockIndex(rel, u32[pw + Pg.PH_DIV]);
      const ri = ((pg + Pg.HEADER) >>> 1) + idx;
      const r = rel >= 0 && idx * bsize === rel && idx < u32[pw + Pg.PH_BUMP] ? this.u16[ri] : 0;
      // integrity: the requested size fits the block (else the error path says what is damaged)
      if (r !== 0 && r <= bsize + 1) {
        this.u16[ri] = 0;
        u32[p >>> 2] = u32[pw + Pg.PH_FREE];
        u32[pw + Pg.PH_FREE] = idx + 1;
        u32[this.pm + Pg.P_CLASS_FREE + u32[pw + Pg.PH_CLASS]] += 1;
        const used = u32[pw + Pg.PH_USED] - 1;
        u32[pw + Pg.PH_USED] = used;
        countFree(u32, this.f64, this.hw, this.hf, r - 1, bsize);
        u32[this.pm + Pg.P_LAST_FREED] = p;
        if (this.listener !== null) this.emit({ type: 'free', ptr: p, size: bsize });
        if (used === 0 || (u32[pw + Pg.PH_FLAGS] & Pg.IN_LIST) === 0) this.pageFreed(pg);
        return;
      }
    }
    this.freeOther(p);
  }

  /** A page got its first free block (back into its list) or its last used one freed (released, unless it is the class's only page). */
  private pageFreed(pg: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const listed = (u32[pw + Pg.PH_FLAGS] & Pg.IN_LIST) !== 0;
    if (u32[pw + Pg.PH_USED] !== 0) {
      if (!listed) this.linkPage(pg);
      return;
    }
    if (listed && u32[pw + Pg.PH_PREV] === 0 && u32[pw + Pg.PH_NEXT] === 0) return; // keep the last page of a class
    if (listed) this.unlinkPage(pg);
    this.releaseSpan(pg, true);
  }

  /** free() of anything but a live small block: a large block, or the error. */
  private freeOther(p: number): void {
    const s = this.resolve('free', p);
    if (this.blockIdx >= 0) {
      this.releaseBlock(s, this.blockIdx); // a small block the fast path did not take (events)
      return;
    }
    this.releaseLarge(s);
  }

  /** Frees live block idx of page pg (validated). */
  private releaseBlock(pg: number, idx: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const bsize = u32[pw + Pg.PH_BSIZE];
    const ri = ((pg + Pg.HEADER) >>> 1) + idx;
    const r = this.u16[ri];
    const b = pg + u32[pw + Pg.PH_FIRST] + idx * bsize;
    this.u16[ri] = 0;
    u32[b >>> 2] = u32[pw + Pg.PH_FREE];
    u32[pw + Pg.PH_FREE] = idx + 1;
    u32[this.pm + Pg.P_CLASS_FREE + u32[pw + Pg.PH_CLASS]] += 1;
    u32[pw + Pg.PH_USED] -= 1;
    countFree(u32, this.f64, this.hw, this.hf, r - 1, bsize);
    u32[this.pm + Pg.P_LAST_FREED] = b;
    if (this.listener !== null) this.emit({ type: 'free', ptr: b, size: bsize });
    this.pageFreed(pg);
  }

  private releaseLarge(s: number): void {
    const u32 = this.u32;
    const pw = s >>> 2;
    const bytes = u32[pw + Pg.PH_SPAN_BYTES];
    const p = s + u32[pw + Pg.PH_FIRST];
    countFree(u32, this.f64, this.hw, this.hf, u32[pw + Pg.PH_BSIZE], bytes);
    u32[this.pm + Pg.P_LAST_FREED] = p;
    const mapped = (u32[pw + Pg.PH_CLASS] & Pg.LARGE_MAPPED) !== 0;
    if (mapped) {
      this.f64[this.hf + Hdr.F_RUNS_UNMAPPED] += 1;
      this.f64[this.hf + Hdr.F_MAPPED_BYTES] -= bytes;
    }
    if (this.listener !== null) {
      this.emit({ type: 'free', ptr: p, size: bytes });
      if (mapped) this.emit({ type: 'unmap', ptr: p, size: bytes });
    }
    this.releaseSpan(s, true);
  }

  /**
   * Validates p as a live block and returns its span; this.blockIdx is the block index for
   * a small block, -1 for a large one. Throws InvalidPointerError / DoubleFreeError; nothing
   * is modified. Out of the hot path: free() does the common case inline.
   */
  resolve(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw this.badValue(op, p);
    try {
      return this.resolveBlock(op, p);
    } catch (e) {
      // a refusal: the pointer freed last is a double free; on damaged metadata, the damage
      throw e instanceof HeapError ? damagedOr(() => this.check(), p === this.u32[this.pm + Pg.P_LAST_FREED] ? new DoubleFreeError(op, p) : e) : e;
    }
  }

  private resolveBlock(op: string, p: number): number {
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    if (p < this.slot0 + Pg.HEADER || p >= brk) {
      throw new InvalidPointerError(op, p, `outside the heap's blocks [${this.slot0 + Pg.HEADER}, ${brk})` +
        (p < this.slot0 ? ' (in the allocator metadata or static area)' : ''));
    }
    const i = Math.floor((p - this.slot0) / Pg.SLOT);
    if (bitAt(u32, this.fm, i)) return this.freedBlock(op, p, this.slot0 + i * Pg.SLOT);
    const h = setBitAtOrBelow(u32, this.hm, i);
    const s = h < 0 ? -1 : this.slot0 + h * Pg.SLOT;
    if (s < 0) throw new InvalidPointerError(op, p, 'not inside any page');
    const pw = s >>> 2;
    if (u32[pw] === Pg.LARGE_MAGIC) {
      if (p === s + u32[pw + Pg.PH_FIRST]) {
        this.checkLarge(s);
        this.blockIdx = -1;
        return s;
      }
      throw new InvalidPointerError(op, p, `not the start of a block (inside the large block at ${s + u32[pw + Pg.PH_FIRST]})`);
    }
    if (u32[pw] !== Pg.SMALL_MAGIC || h !== i) throw new InvalidPointerError(op, p, 'not the start of a block (no page header)');
    const rel = p - s - u32[pw + Pg.PH_FIRST];
    const bsize = u32[pw + Pg.PH_BSIZE];
    if (rel < 0) throw new InvalidPointerError(op, p, `inside the header of the page at ${s}`);
    const idx = blockIndex(rel, u32[pw + Pg.PH_DIV]);
    if (idx * bsize !== rel) throw new InvalidPointerError(op, p, `not the start of a block (inside block ${s + u32[pw + Pg.PH_FIRST] + idx * bsize} of ${bsize} bytes)`);
    if (idx >= u32[pw + Pg.PH_BUMP]) throw new InvalidPointerError(op, p, 'not the start of a live block (never allocated)');
    const r = this.u16[((s + Pg.HEADER) >>> 1) + idx];
    if (r === 0) throw new DoubleFreeError(op, p);
    if (r > bsize + 1) throw corrupt(p, `corrupted page ${s}: the requested size ${r - 1} recorded for the block exceeds its ${bsize} bytes`);
    this.blockIdx = idx;
    return s;
  }

  /** The error for p inside a free slot: a double free if p was a block of the span given back there. */
  private freedBlock(op: string, p: number, slot: number): never {
    const u32 = this.u32;
    const pw = slot >>> 2;
    if (u32[pw] === FREED_MAGIC) {
      const first = u32[pw + Pg.PH_FIRST];
      const bsize = u32[pw + Pg.PH_BSIZE];
      const rel = p - slot - first;
      const small = u32[pw + Pg.PH_DIV] !== 0;
      if (rel === 0 || (small && rel > 0 && rel % bsize === 0 && rel / bsize < u32[pw + Pg.PH_BUMP])) throw new DoubleFreeError(op, p);
    }
    throw new InvalidPointerError(op, p, 'not the start of a live block (in a free page)');
  }

  // ───────────────────────────────────────────── integrity (the checks inline, the errors out of line)

  /** Whether pg holds the header of a page of class c. */
  private isPage(pg: number, c: number): boolean {
    const pw = pg >>> 2;
    return (pg & (Pg.SLOT - 1)) === (this.slot0 & (Pg.SLOT - 1)) && pg >= this.slot0 && this.u32[pw] === Pg.SMALL_MAGIC
      && this.u32[pw + Pg.PH_CLASS] === c && this.u32[pw + Pg.PH_BSIZE] === CLASS_SIZE[c] && this.u32[pw + Pg.PH_BUMP] <= this.u32[pw + Pg.PH_CAP];
  }

  /** The error for the page pg of class c's list whose header, free list or block sizes cannot be right. */
  private badPage(pg: number, c: number): HeapError {
    const pw = pg >>> 2;
    const u32 = this.u32;
    if (!this.isPage(pg, c)) {
      return corrupt(pg, `corrupted page list of class ${c} (${CLASS_SIZE[c]}-byte blocks): it holds ${pg}, whose header `
        + `(magic ${u32[pw]}, class ${u32[pw + Pg.PH_CLASS]}, block size ${u32[pw + Pg.PH_BSIZE]}) is not a page of that class, or the list loops`);
    }
    return corrupt(pg, `corrupted free list of the page at ${pg} (class ${c}): its head ${u32[pw + Pg.PH_FREE]} or a block's link `
      + `points past the ${u32[pw + Pg.PH_BUMP]} blocks handed out, or at a block in use (a write past the end of a block?)`);
  }

  /** A large span's header: its slots, committed bytes and payload offset must agree, before its slots are given back. */
  private checkLarge(s: number): void {
    const u32 = this.u32;
    const pw = s >>> 2;
    const k = u32[pw + Pg.PH_NSLOTS];
    const bytes = u32[pw + Pg.PH_SPAN_BYTES];
    if (k < 1 || s + (k - 1) * Pg.SLOT >= u32[this.hw + Hdr.W_BRK] || bytes > k * Pg.SLOT || bytes <= (k - 1) * Pg.SLOT
      || u32[pw + Pg.PH_FIRST] >= bytes || u32[pw + Pg.PH_FIRST] + u32[pw + Pg.PH_BSIZE] > bytes) {
      throw corrupt(s, `corrupted header of the large span at ${s}: ${k} slots, ${bytes} bytes, payload at +${u32[pw + Pg.PH_FIRST]} `
        + `holding ${u32[pw + Pg.PH_BSIZE]} bytes do not agree (a write past the end of the block before it?)`);
    }
  }

  private badValue(op: string, p: unknown): HeapError {
    if (typeof p !== 'number') return new InvalidPointerError(op, p, 'not a number');
    if (!Number.isInteger(p)) return new InvalidPointerError(op, p, 'not an integer');
    if (p < 0 || p >= 2 ** 32) return new InvalidPointerError(op, p, 'outside the 32-bit address space');
    return new InvalidPointerError(op, p, 'misaligned (pointers are multiples of 8)');
  }

  // ───────────────────────────────────────────── realloc

  realloc(p: number, n: number): number {
    const s = this.resolve('realloc', p);
    const u32 = this.u32;
    const pw = s >>> 2;
    if (this.blockIdx >= 0) {
      const idx = this.blockIdx;
      const bsize = u32[pw + Pg.PH_BSIZE];
      const ri = ((s + Pg.HEADER) >>> 1) + idx;
      const old = this.u16[ri] - 1;
      // in place while the block still fits and is not more than twice what is needed
      if (n <= bsize && n * 2 + 16 >= bsize) {
        this.u16[ri] = n + 1;
        countResize(u32, this.hw, old, n, bsize, bsize);
        return this.reallocDone(p, n, p);
      }
      return this.reallocMove(p, n, old, s, idx);
    }
    const old = u32[pw + Pg.PH_BSIZE];
    const bytes = u32[pw + Pg.PH_SPAN_BYTES];
    const usable = s + bytes - p;
    if (n > this.smallMax && (n <= usable || this.growLarge(s, p, n))) {
      const nb = this.u32[pw + Pg.PH_SPAN_BYTES];
      this.u32[pw + Pg.PH_BSIZE] = n;
      countResize(this.u32, this.hw, old, n, bytes, nb);
      if ((this.u32[pw + Pg.PH_CLASS] & Pg.LARGE_MAPPED) !== 0) this.f64[this.hf + Hdr.F_MAPPED_BYTES] += nb - bytes;
      return this.reallocDone(p, n, p);
    }
    return this.reallocMove(p, n, old, s, -1);
  }

  /**
   * Grows large span s in place so that p has n usable bytes: over the free slots after it,
   * or by raising the break when it is the last span. Whether it could.
   */
  private growLarge(s: number, p: number, n: number): boolean {
    const u32 = this.u32;
    const pw = s >>> 2;
    const k = u32[pw + Pg.PH_NSLOTS];
    const i = (s - this.slot0) / Pg.SLOT;
    const end = alignUp(p + n, 8);
    const k2 = Math.ceil((end - s) / Pg.SLOT);
    const below = this.slotsBelowBreak();
    // a span cut short at maxSize is the last one: only raising the break grows it
    const whole = s + k * Pg.SLOT <= u32[this.hw + Hdr.W_BRK];
    let j = i + k;
    while (whole && j < i + k2 && j < below && bitAt(u32, this.fm, j)) j++;
    this.work += j - i - k + 1;
    if (whole && j === i + k2) {
      u32[this.pm + Pg.P_EPOCH] += 1;
      clearBits(u32, this.fm, i + k, j);
      u32[pw + Pg.PH_NSLOTS] = k2;
      u32[pw + Pg.PH_SPAN_BYTES] = k2 * Pg.SLOT;
      return true;
    }
    if (j < below) return false;
    // the span and the free slots after it reach the break: raise it
    const target = s + k2 * Pg.SLOT;
    this.grew = false;
    if (!this.raise(target) && !this.raise(end)) return false;
    clearBits(this.u32, this.fm, i + k, below);
    const lu32 = this.u32;
    lu32[this.pm + Pg.P_EPOCH] += 1;
    lu32[pw + Pg.PH_NSLOTS] = k2;
    lu32[pw + Pg.PH_SPAN_BYTES] = lu32[this.hw + Hdr.W_BRK] - s;
    return true;
  }

  private reallocDone(p: number, n: number, q: number): number {
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: q, inPlace: q === p });
    return q;
  }

  private reallocMove(p: number, n: number, old: number, s: number, idx: number): number {
    // the old block stops counting as live first, so the peak is that of C's realloc
    this.u32[this.hw + Hdr.W_LIVE_BYTES] -= old;
    const q = this.mallocSlow(n);
    this.u32[this.hw + Hdr.W_LIVE_BYTES] += old;
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    if (idx >= 0) this.releaseBlock(s, idx);
    else this.releaseLarge(s);
    return this.reallocDone(p, n, q);
  }

  usableSize(p: number): number {
    const s = this.resolve('usableSize', p);
    const pw = s >>> 2;
    if (this.blockIdx >= 0) return this.u32[pw + Pg.PH_BSIZE];
    return s + this.u32[pw + Pg.PH_SPAN_BYTES] - p;
  }

  // ───────────────────────────────────────────── trim, check, walk

  /** Gives every empty page back, then the free slots at the top, keeping `pad` bytes of them. */
  trim(pad: number): number {
    const before = this.u32[this.hw + Hdr.W_BRK];
    this.releaseEmptyPages();
    this.trimTop(pad <= 0 ? 0 : Math.ceil(pad / Pg.SLOT));
    return before - this.u32[this.hw + Hdr.W_BRK];
  }

  /** Gives back every page with no used block (the ones kept as their class's last page); how many. */
  private releaseEmptyPages(): number {
    let released = 0;
    for (let c = 0; c < CLASS_COUNT; c++) {
      let pg = this.u32[this.pm + c];
      while (pg !== 0) {
        this.work += 1;
        const next = this.u32[(pg >>> 2) + Pg.PH_NEXT];
        if (this.u32[(pg >>> 2) + Pg.PH_USED] === 0) {
          this.unlinkPage(pg);
          this.releaseSpan(pg, false);
          released++;
        }
        pg = next;
      }
    }
    return released;
  }

  check(): void {
    checkPages(this);
  }

  blocks(): BlockInfo[] {
    return walkPages(this);
  }

  internals(): PolicyInternals {
    return pagesInternals(this);
  }

  /** O(pages with free blocks + slot map words): no walk over the blocks. */
  usage(): PolicyUsage {
    checkedBreak(this.u32, this.hw, Hdr.W_BRK);
    const sp = this.spare;
    const epoch = this.u32[this.pm + Pg.P_EPOCH];
    const reservedEpoch = this.u32[this.pm + Pg.P_RESERVED_EPOCH];
    if (this.generation !== sp.generation) sp.epoch = sp.reservedEpoch = -1;
    sp.generation = this.generation;
    if (epoch !== sp.epoch) { freeRunsOf(this, sp); sp.epoch = epoch; }
    if (reservedEpoch !== sp.reservedEpoch) { reservedOf(this, sp); sp.reservedEpoch = reservedEpoch; }
    return pagesUsage(this, sp);
  }

  maxRequest(): number {
    const room = this.f64[this.hf + Hdr.F_MAX_SIZE] - this.slot0 - Pg.HEADER;
    return Math.max(0, Math.min(MAX_REQUEST, room));
  }

  /** Sends one event (built by the caller only when a listener is set). */
}

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

export const pagesPolicy: PolicyFactory = {
  policyId: PAGES_POLICY_ID,
  name: 'pages',
  kind: 'general',
  metadataBytes: Pg.POLICY_WORDS * 4,
  create: (os) => new Pages(os),
};

/**
 * The pool allocator (see layout.ts): blocks of one size, O(1) malloc and free.
 *
 * malloc(n):  n > blockSize ─▶ 0 (the facade then returns 0 or throws OutOfMemoryError)
 *             pop the free list ─empty─▶ grow the break by one chunk, its slots go free
 * free(p):    chunk and slot from the offset ─▶ used bit set? (else DoubleFreeError)
 *             ─▶ clear it, push the slot ─▶ a wholly free last chunk past trimThreshold is trimmed
 *
 * Work: one unit per free-list pop or push; growing and trimming a chunk count one per slot.
 */
import { DoubleFreeError, HeapError, InvalidPointerError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { optionInteger } from '../../base/validate.js';
import { Hdr } from '../../os/header.js';
import type { OsLayer } from '../../os/os-layer.js';
import { countAlloc, countFree, countResize } from '../counters.js';
import { badPointerValue } from '../views.js';
import type { AllocatorPolicy, PolicyFactory, PolicyOptions, PolicyUsage } from '../policy.js';
import { PolicyBase } from '../policy-base.js';
import { bitmapWord, firstChunk, poolGeometry, requestedWord, Pool } from './layout.js';
import { checkPool, walkPool } from './walk.js';
import { badLinksOf, checkedBreak, corrupt, damagedOr, listLoops, walkBudget } from '../integrity.js';
import type { PolicyInternals } from '../../base/internals.js';
import { poolInternals } from './internals.js';

export const POOL_POLICY_ID = 14;

export class PoolAllocator extends PolicyBase implements AllocatorPolicy {
  readonly policyId = POOL_POLICY_ID;
  readonly name = 'pool';
  readonly metadataBytes = Pool.POLICY_WORDS * 4;

  // the geometry, cached from the policy metadata
  blockSize = 0;
  slot = 0;
  slots = 0;
  header = 0;
  chunk = 0;
  align = 8;
  /** Where the first chunk starts (heapStart rounded up to `align`). */
  first = 0;

  constructor(os: OsLayer) {
    super(os);
    this.refresh();
  }

  override refresh(): void {
    super.refresh();
    const pm = this.pm;
    this.blockSize = this.u32[pm + Pool.P_BLOCK_SIZE];
    this.slot = this.u32[pm + Pool.P_SLOT];
    this.slots = this.u32[pm + Pool.P_SLOTS];
    this.header = this.u32[pm + Pool.P_CHUNK_HEADER];
    this.chunk = this.u32[pm + Pool.P_CHUNK];
    this.first = this.u32[pm + Pool.P_FIRST_CHUNK];
    this.align = Math.min(Pool.MAX_ALIGN, this.slot & -this.slot);
    // integrity: the cached geometry is the one blockSize gives (all zero before format)
    const g = poolGeometry(this.blockSize);
    if (this.slot !== 0 && (g.slot !== this.slot || g.slots !== this.slots || g.header !== this.header || g.chunk !== this.chunk
      || this.first !== firstChunk(this.heapStart, g.align))) {
      throw corrupt(pm * 4, `corrupted pool metadata: block size ${this.blockSize}, slot ${this.slot}, ${this.slots} slots, `
        + `chunk header ${this.header}, chunk ${this.chunk}, first chunk ${this.first} do not agree`);
    }
  }

  format(heapStart: number, options: PolicyOptions): void {
    const g = poolGeometry(options.blockSize ?? Pool.DEFAULT_BLOCK_SIZE);
    const u32 = this.u32;
    const pm = this.pm;
    u32[pm + Pool.P_BLOCK_SIZE] = options.blockSize ?? Pool.DEFAULT_BLOCK_SIZE;
    u32[pm + Pool.P_SLOT] = g.slot;
    u32[pm + Pool.P_SLOTS] = g.slots;
    u32[pm + Pool.P_CHUNK_HEADER] = g.header;
    u32[pm + Pool.P_CHUNK] = g.chunk;
    u32[pm + Pool.P_FREE_HEAD] = 0;
    const first = firstChunk(heapStart, g.align);
    u32[pm + Pool.P_FIRST_CHUNK] = first;
    // no chunk yet: the break at the first chunk's start (the gap before it, if any, stays)
    if (first < u32[this.hw + Hdr.W_BRK]) this.os.lowerBreak(u32, this.f64, first);
    else if (!this.os.raiseBreak(u32, this.f64, first)) throw new HeapError(`createHeap: no room for the pool's first chunk at ${first}`);
    this.refresh();
  }

  // ───────────────────────────────────────────── the free list

  private push(s: number): void {
    const u32 = this.u32;
    const hi = this.pm + Pool.P_FREE_HEAD;
    const h = u32[hi];
    // integrity: the head is at the front of the list (else its back link would be written anywhere)
    if (h !== 0 && u32[(h + 4) >>> 2] !== 0) throw badLinksOf(u32, h, 'the free list');
    u32[s >>> 2] = h;
    u32[(s + 4) >>> 2] = 0;
    if (h !== 0) u32[(h + 4) >>> 2] = s;
    u32[hi] = s;
    u32[this.hw + Hdr.W_FREE_BLOCKS] += 1;
  }

  private unlink(s: number): void {
    const u32 = this.u32;
    const n = u32[s >>> 2];
    const p = u32[(s + 4) >>> 2];
    // safe unlinking: the neighbours (or the head) point back at s
    if ((n !== 0 && u32[(n + 4) >>> 2] !== s) || (p !== 0 ? u32[p >>> 2] : u32[this.pm + Pool.P_FREE_HEAD]) !== s) throw badLinksOf(u32, s, 'the free list');
    if (p !== 0) u32[p >>> 2] = n;
    else u32[this.pm + Pool.P_FREE_HEAD] = n;
    if (n !== 0) u32[(n + 4) >>> 2] = p;
    u32[this.hw + Hdr.W_FREE_BLOCKS] -= 1;
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: this.slot });
    if (n > this.blockSize) return 0;
    this.work += 1;
    let grew = false;
    let s = this.u32[this.pm + Pool.P_FREE_HEAD];
    if (s === 0) {
      if (!this.growChunk()) return 0;
      grew = true;
      s = this.u32[this.pm + Pool.P_FREE_HEAD];
    }
    if (!this.isFreeSlot(s)) throw this.badSlot(s);
    this.unlink(s);
    return this.take(s, n, grew);
  }

  /** Marks unlisted slot s used for n bytes and counts it. */
  private take(s: number, n: number, grew: boolean): number {
    const u32 = this.u32;
    const c = this.chunkOf(s);
    const i = (s - c - this.header) / this.slot;
    u32[bitmapWord(c, i)] |= 1 << (i & 31);
    u32[c >>> 2] += 1;
    u32[requestedWord(c, this.slots, i)] = n;
    countAlloc(u32, this.f64, this.hw, this.hf, n, this.slot, grew);
    if (this.listener !== null) this.emit({ type: 'done', ptr: s, size: this.slot, reused: !grew });
    return s;
  }

  /** Whether s is a slot of the pool (inside the chunks, at a slot boundary) whose used bit is clear. */
  private isFreeSlot(s: number): boolean {
    const c = this.chunkOf(s);
    const o = s - c - this.header;
    const i = o / this.slot;
    return s >= this.first && s < this.u32[this.hw + Hdr.W_BRK] && o >= 0 && (o % this.slot) === 0
      && (this.u32[bitmapWord(c, i)] & (1 << (i & 31))) === 0;
  }

  /** The error for slot s on the free list that is not a free slot of the pool, or whose links disagree. */
  private badSlot(s: number): HeapError {
    if (!this.isFreeSlot(s)) {
      return corrupt(s, `corrupted free list: it holds ${s}, which is not a free slot of the pool (outside the chunks, `
        + 'not at a slot boundary, or marked used); a write past the end of a block?');
    }
    return badLinksOf(this.u32, s, 'the free list');
  }

  private chunkOf(p: number): number {
    return this.first + Math.floor((p - this.first) / this.chunk) * this.chunk;
  }

  /** One more chunk at the top, its slots on the free list (the lowest first to come off). */
  private growChunk(): boolean {
    const brk = this.u32[this.hw + Hdr.W_BRK];
    if (!this.os.raiseBreak(this.u32, this.f64, brk + this.chunk)) return false;
    this.sync();
    this.u32.fill(0, brk >>> 2, (brk + this.header) >>> 2);
    for (let i = this.slots - 1; i >= 0; i--) this.push(brk + this.header + i * this.slot);
    this.work += this.slots;
    if (this.listener !== null) this.emit({ type: 'grow', from: brk, to: brk + this.chunk, backing: this.os.backing.byteLength });
    return true;
  }

  /**
   * Every slot is aligned to `align` (the largest power of two dividing the slot size, at
   * most 64); a greater alignment takes the first free slot that happens to have it (a
   * free-list scan, then one new chunk), or fails.
   */
  alignedAlloc(alignment: number, n: number): number {
    if (alignment <= this.align) return this.malloc(n);
    if (this.listener !== null) this.emit({ type: 'malloc', size: n, chunk: this.slot });
    if (n > this.blockSize) return 0;
    let s = this.findAligned(alignment);
    let grew = false;
    if (s === 0) {
      if (!this.growChunk()) return 0;
      grew = true;
      s = this.findAligned(alignment);
      if (s === 0) return 0;
    }
    this.unlink(s);
    return this.take(s, n, grew);
  }

  private findAligned(alignment: number): number {
    const u32 = this.u32;
    let budget = walkBudget(this.first, u32[this.hw + Hdr.W_BRK], this.slot);
    for (let s = u32[this.pm + Pool.P_FREE_HEAD]; s !== 0; s = u32[s >>> 2]) {
      this.work += 1;
      if (--budget < 0) throw listLoops('the free list', s);
      if (s % alignment === 0) {
        if (!this.isFreeSlot(s)) throw this.badSlot(s);
        return s;
      }
    }
    return 0;
  }

  // ───────────────────────────────────────────── free

  /** Validates p as a used slot; returns its chunk. Throws, changing nothing, otherwise. */
  private slotOf(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p || (p & 7) !== 0) throw badPointerValue(op, p);
    const u32 = this.u32;
    const c = this.chunkOf(p);
    const o = p - c - this.header;
    const i = o / this.slot;
    const used = u32[c >>> 2];
    if (p < this.first || p >= u32[this.hw + Hdr.W_BRK] || o < 0 || o % this.slot !== 0 || (u32[bitmapWord(c, i)] & (1 << (i & 31))) === 0
      // integrity: the chunk's used count and the slot's requested size can be right
      || used === 0 || used > this.slots || u32[requestedWord(c, this.slots, i)] > this.blockSize) throw this.badPointer(op, p);
    return c;
  }

  /** The error for a pointer slotOf refused (out of line): double free, damage (damagedOr) or an invalid pointer. */
  private badPointer(op: string, p: number): HeapError {
    const refusal = (): HeapError => {
      const brk = this.u32[this.hw + Hdr.W_BRK];
      if (p === this.u32[this.pm + Pool.P_LAST_FREED]) return new DoubleFreeError(op, p);
      if (p < this.first || p >= brk) return new InvalidPointerError(op, p, `outside the pool's chunks [${this.first}, ${brk})`);
      const c = this.chunkOf(p);
      const o = p - c - this.header;
      if (o < 0) return new InvalidPointerError(op, p, `inside the header of the chunk at ${c}`);
      if (o % this.slot !== 0) return new InvalidPointerError(op, p, `not the start of a block (blocks are ${this.slot} bytes)`);
      const i = o / this.slot;
      if ((this.u32[bitmapWord(c, i)] & (1 << (i & 31))) === 0) return new DoubleFreeError(op, p);
      return corrupt(c, `corrupted chunk header at ${c}: used count ${this.u32[c >>> 2]} of ${this.slots} slots, `
        + `requested size ${this.u32[requestedWord(c, this.slots, i)]} of a ${this.blockSize}-byte block`);
    };
    return damagedOr(() => this.check(), refusal());
  }

  free(p: number): void {
    this.work += 1;
    const c = this.slotOf('free', p);
    this.releaseSlot(c, p);
  }

  private releaseSlot(c: number, p: number): void {
    const u32 = this.u32;
    const i = (p - c - this.header) / this.slot;
    const rw = requestedWord(c, this.slots, i);
    countFree(u32, this.f64, this.hw, this.hf, u32[rw], this.slot);
    u32[this.pm + Pool.P_LAST_FREED] = p;
    u32[rw] = 0;
    u32[bitmapWord(c, i)] &= ~(1 << (i & 31));
    u32[c >>> 2] -= 1;
    this.push(p);
    if (this.listener !== null) this.emit({ type: 'free', ptr: p, size: this.slot });
    if (u32[c >>> 2] === 0 && c + this.chunk === u32[this.hw + Hdr.W_BRK] && this.chunk > u32[this.hw + Hdr.W_TRIM_THRESHOLD]) this.trim(0);
  }

  /** In place while the new size fits the block; a bigger one fails (0, the block intact). */
  realloc(p: number, n: number): number {
    const c = this.slotOf('realloc', p);
    if (n > this.blockSize) return 0;
    const i = (p - c - this.header) / this.slot;
    const rw = requestedWord(c, this.slots, i);
    countResize(this.u32, this.hw, this.u32[rw], n, this.slot, this.slot);
    this.u32[rw] = n;
    if (this.listener !== null) this.emit({ type: 'realloc', ptr: p, size: n, result: p, inPlace: true });
    return p;
  }

  usableSize(p: number): number {
    this.slotOf('usableSize', p);
    return this.slot;
  }

  // ───────────────────────────────────────────── trim, inspection

  /** Gives wholly free chunks at the top back, keeping at least `pad` bytes of free slots in them. */
  trim(pad: number): number {
    const u32 = this.u32;
    const brk = u32[this.hw + Hdr.W_BRK];
    let top = brk;
    while (top > this.first && u32[(top - this.chunk) >>> 2] === 0) top -= this.chunk;
    // keep enough of the free chunks for `pad` bytes of free blocks
    const keep = Math.min((brk - top) / this.chunk, Math.ceil(pad / (this.slots * this.slot)));
    const end = top + keep * this.chunk;
    if (end === brk) return 0;
    for (let c = end; c < brk; c += this.chunk) {
      for (let i = 0; i < this.slots; i++) this.unlink(c + this.header + i * this.slot);
      this.work += this.slots;
    }
    this.os.lowerBreak(u32, this.f64, end);
    this.sync();
    if (this.listener !== null) this.emit({ type: 'trim', from: brk, to: end, released: brk - end });
    return brk - end;
  }

  check(): void {
    checkPool(this);
  }

  blocks(): BlockInfo[] {
    return walkPool(this);
  }

  internals(): PolicyInternals {
    return poolInternals(this);
  }

  usage(): PolicyUsage {
    const u32 = this.u32;
    const freeBlocks = u32[this.hw + Hdr.W_FREE_BLOCKS];
    checkedBreak(u32, this.hw, Hdr.W_BRK);
    return {
      usedBytes: u32[this.hw + Hdr.W_USED_BYTES],
      freeBytes: freeBlocks * this.slot,
      freeBlocks,
      largestFreeBlock: freeBlocks > 0 ? this.slot : 0,
    };
  }

  /**
   * What maxSize leaves: the facade's bound, above which it refuses before asking. A pool
   * refuses anything above blockSize itself (malloc returns 0), so that alignedAlloc, whose
   * bound the facade lowers by the alignment, still serves blockSize-byte requests.
   */
  maxRequest(): number {
    return Math.max(0, Math.min(2 ** 32 - 1, this.f64[this.hf + Hdr.F_MAX_SIZE] - this.heapStart));
  }
}


export const poolPolicy: PolicyFactory = {
  policyId: POOL_POLICY_ID,
  name: 'pool',
  kind: 'pool',
  metadataBytes: Pool.POLICY_WORDS * 4,
  options(given: PolicyOptions): PolicyOptions {
    return { blockSize: optionInteger('blockSize', given.blockSize, Pool.DEFAULT_BLOCK_SIZE, 1, Pool.MAX_BLOCK_SIZE) };
  },
  create: (os) => new PoolAllocator(os),
};

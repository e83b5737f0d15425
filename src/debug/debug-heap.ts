/**
 * DebugHeap: the Heap with AddressSanitizer-style checking, made by
 * `createHeap({ debug: true | DebugOptions })`. The plain Heap class is untouched
 * (its hot paths carry no debug check at all); this subclass overrides the C
 * functions and wraps every block of the underlying allocator:
 *
 *   malloc(n)   underlying malloc(left + n + right) ─▶ redzones 0xfa, payload 0xbe
 *               (calloc: 0), shadow REDZONE / UNDEFINED (calloc: DEFINED), record
 *               with the allocation stack
 *   free(p)     p must be a live block's start (else double-free / bad-free, with the
 *               stacks) ─▶ redzones verified ─▶ payload poisoned 0xfd, shadow FREED ─▶
 *               quarantine (FIFO by bytes); the oldest blocks leave it verified (a
 *               changed byte = heap-use-after-free) and only then are really freed
 *   realloc     always moves, as ASan's does: malloc + copy (bytes and definedness)
 *               + free, so a stale pointer to the old block is caught
 *   check()     every live block's redzones, every quarantined block's poison, then
 *               the core invariants
 *
 * All of this state (block table, shadow, quarantine, stacks, reports) lives in this JS
 * object, not in the heap's memory: another Heap attached to the same memory sees
 * each debug block as one larger block of the underlying allocator and none of the
 * checks (and its blocks look "not in a block" to this heap's checked accessor).
 *
 * Errors: in 'throw' mode (default) a HeapDebugError is thrown as soon as a misuse
 * is found, before the call changes anything; damage found while a block leaves
 * quarantine is thrown at the end of the call that evicted it (that call's own work
 * is done). In 'collect' mode reports accumulate in reports(), damaged redzones and
 * poison are repaired once reported (each damage is reported once), a bad free is
 * ignored, and a bad write through the checked accessor is not performed. In 'throw'
 * mode nothing is repaired: the same check() throws again until the bug is fixed.
 */

import type { AllocatorPolicy } from '../alloc/policy.js';
import { describePointer, OutOfMemoryError } from '../base/errors.js';
import { assertViewArguments, Heap } from '../heap/heap.js';
import type { BlockInfo, DebugErrorKind, HeapStats, OutOfMemoryPolicy } from '../base/types.js';
import { assertAlignment, assertSize } from '../base/validate.js';
import type { OsLayer } from '../os/os-layer.js';
import { Hdr } from '../os/header.js';
import { CheckedMemory, type AccessChecker } from './checked.js';
import { classifyAccess, classifyBadPointer, type AccessMode, type Finding } from './classify.js';
import { hexDump } from './dump.js';
import { groupLeaks, reportLeaksAtExit, type LeakRecord } from './leaks.js';
import type { ResolvedDebugOptions } from './options.js';
import { BlockTable, SLOT_FREED, SLOT_LIVE } from './block-table.js';
import { FREED_BYTE, GARBAGE_BYTE, REDZONE_BYTE, fillPattern, findNot } from './patterns.js';
import { inspectPoison, inspectRedzones, leftRedzone, redzonesIntact, repair, rightRedzone, type Damage } from './redzones.js';
import { FreedHistory, Quarantine } from './quarantine.js';
import { describePlacement, placementOf, type BlockRecord, type Placement } from './records.js';
import { DebugReport, HeapDebugError, formatLeakText, type LeakGroup } from './report.js';
import { DEFINED, FREED, NOT_IN_BLOCK, REDZONE, STATE_CHARS, STATE_LEGEND, ShadowMemory, UNDEFINED } from './shadow.js';
import { assertUnderlyingBlock } from './underlying.js';
import { captureCallerStack, captureStack, entryPointsOf, formatStack, type EntryPoint, type StackHandle } from './stacks.js';

type TypedArrayConstructor<T> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** Figures of the debug layer itself. */
export interface DebugStats {
  /** Freed blocks held in quarantine, and their bytes (redzones included). */
  quarantinedBlocks: number;
  quarantinedBytes: number;
  /** Redzone bytes around the live blocks. */
  redzoneBytes: number;
  /** Reports made so far (thrown or collected). */
  reports: number;
}

const hex = (byte: number | undefined): string => (byte === undefined ? '(no byte: outside the memory)' : `0x${byte.toString(16).padStart(2, '0')}`);
const bytes = (n: number): string => (n === 1 ? '1 byte' : `${n} bytes`);

export class DebugHeap extends Heap {
  private readonly settings: ResolvedDebugOptions;
  private readonly throwOnOom: boolean;
  /**
   * Per-byte states, kept from the heap's creation: a block's bytes are UNDEFINED from
   * its malloc until written, whether or not checked() is in use yet.
   */
  private readonly shadow: ShadowMemory;
  /**
   * Live and quarantined blocks, in typed arrays by slot (block-table.ts): the hot paths
   * read and write numbers; BlockRecord objects are made only for reports and listings.
   */
  private readonly table: BlockTable;
  private readonly quarantine: Quarantine;
  private readonly history: FreedHistory;
  private readonly collected: DebugReport[] = [];
  /** In 'throw' mode: the first damage found while evicting, thrown when the call ends. */
  private pending: DebugReport | null = null;
  private reportTotal = 0;
  private lastSeq = 0;
  private liveCount = 0;
  private liveNow = 0;
  private livePeak = 0;
  private nMalloc = 0;
  private nCalloc = 0;
  private nRealloc = 0;
  private nFree = 0;
  private nAligned = 0;
  private accessor: CheckedMemory | null = null;

  /** @internal use createHeap({ debug }) */
  constructor(policy: AllocatorPolicy, os: OsLayer, onOutOfMemory: OutOfMemoryPolicy, settings: ResolvedDebugOptions) {
    super(policy, os, onOutOfMemory);
    this.settings = settings;
    this.throwOnOom = onOutOfMemory === 'throw';
    this.table = new BlockTable(settings.stackDepth > 0);
    this.quarantine = new Quarantine(settings.quarantineSize);
    this.history = new FreedHistory(settings.history);
    this.shadow = this.makeShadow();
    if (settings.leaksAtExit !== false) reportLeaksAtExit(this, settings.leaksAtExit === 'fail');
  }

  /** The shadow of a fresh heap: only memory below the heap's base and the static area belong to the program. */
  private makeShadow(): ShadowMemory {
    const sh = new ShadowMemory(this.u8.length);
    // Memory below the heap's base (a Wasm module's own) and the static area are
    // addressable and defined (the static area is zeroed at creation).
    const raw = super.stats();
    const staticBase = this.staticBase;
    sh.fill(DEFINED, 0, staticBase - raw.metadataBytes);
    sh.fill(DEFINED, staticBase, staticBase + raw.staticSize);
    return sh;
  }

  // ───────────────────────────────────── the C functions

  override malloc(size: number): number {
    this.nMalloc++;
    const p = this.allocate('malloc', size, 8, false, DebugHeap.prototype.malloc, 0);
    this.settle('malloc', p);
    return p;
  }

  override calloc(count: number, size: number): number {
    this.nCalloc++;
    assertSize('calloc', 'count', count);
    assertSize('calloc', 'size', size);
    const total = count * size;
    if (!Number.isSafeInteger(total) || total >= 2 ** 32) return this.failAlloc('calloc', total, `${count} * ${size} exceeds maxSize`);
    const p = this.allocate('calloc', total, 8, true, DebugHeap.prototype.calloc, 0);
    this.settle('calloc', p);
    return p;
  }

  override alignedAlloc(alignment: number, size: number): number {
    this.nAligned++;
    assertAlignment('alignedAlloc', alignment);
    const p = this.allocate('alignedAlloc', size, Math.max(8, alignment), false, DebugHeap.prototype.alignedAlloc, 0);
    this.settle('alignedAlloc', p);
    return p;
  }

  /**
   * Moves the block (as ASan does), so that any use of the old pointer is caught; blocks
   * larger than `reallocMoveLimit` are resized by the underlying allocator instead (in
   * place when it can), so that growing a big block step by step is not quadratic.
   */
  override realloc(ptr: number, size: number): number {
    this.nRealloc++;
    if (ptr === 0) {
      const p = this.allocate('realloc', size, 8, false, DebugHeap.prototype.realloc, 0);
      this.settle('realloc', p);
      return p;
    }
    const slot = this.liveSlot('realloc', ptr);
    if (slot < 0) return 0;
    if (typeof size !== 'number' || (size >>> 0) !== size) {
      assertSize('realloc', 'size', size);
      return this.failAlloc('realloc', size, 'exceeds maxSize');
    }
    this.verifyRedzones(slot, 'found by realloc()', false);
    const stack = captureStack(this.settings.stackDepth, DebugHeap.prototype.realloc);
    if (size === 0) {
      this.release(slot, stack);
      this.throwPending();
      this.settle('realloc', 0);
      return 0;
    }
    const oldSize = this.table.size[slot] as number;
    if (Math.max(oldSize, size) > this.settings.reallocMoveLimit) {
      const r = this.resizeInPlace(slot, size, stack);
      this.settle('realloc', r);
      return r;
    }
    const n = Math.min(oldSize, size);
    // (allocate adds a slot and may grow the table's arrays: `slot` stays valid, array references do not)
    const q = this.allocate('realloc', size, 8, false, stack, n); // bytes [0, n) are copied, not filled
    if (q !== 0) { // else the old block stays valid, as in C
      this.u8.copyWithin(q, ptr, ptr + n);
      this.shadow.copy(q, ptr, n);
      this.release(slot, stack);
      this.throwPending();
    }
    this.settle('realloc', q);
    return q;
  }

  override free(ptr: number): void {
    this.nFree++;
    if (ptr === 0) return;
    const slot = this.liveSlot('free', ptr);
    if (slot < 0) return;
    this.verifyRedzones(slot, 'found by free()', false);
    this.release(slot, captureStack(this.settings.stackDepth, DebugHeap.prototype.free));
    this.throwPending();
    this.settle('free', undefined);
  }

  /** In debug mode: the requested size, so that alignment slack counts as outside the block. */
  override usableSize(ptr: number): number {
    const slot = this.liveSlot('usableSize', ptr);
    return slot < 0 ? 0 : this.table.size[slot] as number;
  }

  override view<T extends ArrayBufferView>(ptr: number, ctor: TypedArrayConstructor<T>, length?: number): T {
    assertViewArguments(ptr, ctor);
    const slot = this.liveSlot('view', ptr);
    const buffer = this.u8.buffer;
    if (slot < 0) return new ctor(buffer, 0, 0);
    const size = this.table.size[slot] as number;
    const per = ctor.BYTES_PER_ELEMENT;
    if (ptr % per !== 0) throw new RangeError(`view: pointer ${ptr} is not aligned to ${ctor.name}'s ${per} bytes`);
    const max = Math.floor(size / per);
    const n = length ?? max;
    assertSize('view', 'length', n);
    if (n > max) throw new RangeError(`view: ${n} ${ctor.name} elements (${n * per} bytes) do not fit the ${size}-byte block at ${ptr}`);
    return new ctor(buffer, ptr, n);
  }

  // ───────────────────────────────────── inspection

  /** Redzones of live blocks, poison of quarantined ones, then the core invariants. */
  override check(): void {
    for (const slot of this.table.slotsInOrder()) {
      if (this.table.state[slot] === SLOT_FREED) this.verifyFreed(slot, 'found by heap.check()', false);
      else this.verifyRedzones(slot, 'found by heap.check()', false);
    }
    super.check();
  }

  /** As the program sees it: live bytes and blocks without redzones and quarantine; this object's calls. */
  override stats(): HeapStats {
    const s = super.stats();
    s.liveBytes = this.liveNow;
    s.liveBlocks = this.liveCount;
    s.peakLiveBytes = this.livePeak;
    s.utilization = s.peakHeapSize > 0 ? s.peakLiveBytes / s.peakHeapSize : 0;
    s.mallocCalls = this.nMalloc;
    s.callocCalls = this.nCalloc;
    s.reallocCalls = this.nRealloc;
    s.freeCalls = this.nFree;
    s.alignedAllocCalls = this.nAligned;
    return s;
  }

  /**
   * The blocks of the underlying allocator; a debug block (live or quarantined) is
   * shown with the program's pointer and requested size, its `size` still covering
   * header and redzones. Quarantined blocks are 'used': they are held, not free.
   */
  override blocks(): BlockInfo[] {
    const byBase = new Map<number, BlockRecord>();
    for (const rec of this.table.records()) byBase.set(rec.base, rec);
    return super.blocks().map((b) => {
      const rec = byBase.get(b.ptr);
      return rec === undefined ? b : { ...b, ptr: rec.ptr, requested: rec.size };
    });
  }

  debugStats(): DebugStats {
    let redzoneBytes = 0;
    const t = this.table;
    for (let slot = 0; slot < t.used; slot++) {
      if (t.state[slot] === SLOT_LIVE) redzoneBytes += (t.end[slot] as number) - (t.base[slot] as number) - (t.size[slot] as number);
    }
    return {
      quarantinedBlocks: this.quarantine.length,
      quarantinedBytes: this.quarantine.bytes,
      redzoneBytes,
      reports: this.reportTotal,
    };
  }

  /** Releases every quarantined block now (each verified first). */
  flushQuarantine(): void {
    this.drainQuarantine(0);
    this.throwPending();
    this.settle('flushQuarantine', undefined);
  }

  /** Reports collected in 'collect' mode (oldest first). */
  reports(): DebugReport[] {
    return this.collected.slice();
  }

  clearReports(): void {
    this.collected.length = 0;
  }

  // ───────────────────────────────────── uninitialized memory

  /** The checked accessor: DataView's methods over byte addresses, every access checked. */
  checked(): CheckedMemory {
    if (this.accessor === null) {
      const heap = this;
      const checker: AccessChecker = {
        access: (address, size, write, what) => heap.access(address, size, write ? 'write' : 'read', what),
        copy: (dst, src, length) => heap.copyChecked(dst, src, length),
        view: () => heap.dataView,
        bytes: () => heap.u8,
      };
      this.accessor = new CheckedMemory(checker);
    }
    return this.accessor;
  }

  /** Declares bytes written behind the accessor's back (through heap.u8, a view, or Wasm) as defined. */
  markDefined(ptr: number, length: number): void {
    assertSize('markDefined', 'length', length);
    this.access(ptr, length, 'write', 'markDefined');
  }

  // ───────────────────────────────────── leaks

  /** A point in time for leaks(since): blocks allocated after it have a higher mark. */
  mark(): number {
    return this.lastSeq;
  }

  /** One record per live block allocated after `since` (a mark; default: all), in allocation order. */
  leaks(since = 0): LeakRecord[] {
    const depth = this.settings.stackDepth;
    const out: LeakRecord[] = [];
    const t = this.table;
    for (const slot of t.slotsInOrder()) {
      if (t.state[slot] === SLOT_LIVE && (t.seq[slot] as number) > since) {
        out.push({ ptr: t.ptr[slot] as number, size: t.size[slot] as number, stack: formatStack(t.allocStack(slot), depth) });
      }
    }
    return out;
  }

  /** leaks(since) grouped by allocation stack, most bytes first (LeakSanitizer's summary). */
  leakSummary(since = 0): LeakGroup[] {
    return groupLeaks(this.leaks(since));
  }

  /** The summary as text. */
  leakReport(since = 0): string {
    return formatLeakText(this.leakSummary(since));
  }

  /** Reports a 'memory-leak' (thrown, or collected) if any block allocated after `since` is live; returns the leaks. */
  checkLeaks(since = 0): LeakRecord[] {
    const leaks = this.leaks(since);
    if (leaks.length === 0) return leaks;
    const groups = groupLeaks(leaks);
    const first = this.table.record(this.table.find((groups[0] as LeakGroup).ptrs[0] as number));
    this.emit(new DebugReport({
      kind: 'memory-leak',
      address: first.ptr,
      headline: '',
      relation: describePlacement(placementOf(first, first.ptr)),
      block: { ptr: first.ptr, size: first.size },
      stack: this.stackNow(),
      allocStack: formatStack(first.allocStack, this.settings.stackDepth),
      dump: '',
      leaks: groups,
    }), false);
    return leaks;
  }

  /** @internal the process-exit hook's question */
  leakTextAtExit(): string | null {
    const groups = this.leakSummary();
    return groups.length === 0 ? null : formatLeakText(groups);
  }

  // ───────────────────────────────────── allocation internals

  /**
   * A new debug block; payload bytes from `skip` on are filled (garbage, or zero for calloc).
   * `stack`: the call's stack, or the public method to capture it below once the block exists.
   */
  private allocate(op: string, size: number, alignment: number, zero: boolean, stack: StackHandle | EntryPoint, skip: number): number {
    if (typeof size !== 'number' || (size >>> 0) !== size) {
      assertSize(op, 'size', size);
      return this.failAlloc(op, size, 'exceeds maxSize');
    }
    const left = leftRedzone(this.settings.redzone, alignment);
    const right = rightRedzone(this.settings.redzone, size);
    const total = left + size + right;
    let base = this.rawAlloc(total, alignment);
    if (base === 0 && this.quarantine.length > 0) {
      // Before reporting out-of-memory, give the quarantine back and retry.
      this.drainQuarantine(0);
      this.throwPending();
      base = this.rawAlloc(total, alignment);
    }
    if (base === 0) return this.failAlloc(op, size, 'no room left under maxSize, even with the quarantine flushed');
    this.assertInHeap(alignment <= 8 ? 'malloc' : 'alignedAlloc', base, total, left, alignment);
    const ptr = base + left;
    const end = ptr + size + right;
    const u8 = this.u8;
    const f64 = this.f64;
    fillPattern(u8, f64, base, ptr, REDZONE_BYTE);
    fillPattern(u8, f64, ptr + skip, ptr + size, zero ? 0 : GARBAGE_BYTE);
    fillPattern(u8, f64, ptr + size, end, REDZONE_BYTE);
    const shadow = this.shadow;
    shadow.cover(u8.length);
    shadow.fillBlock(base, ptr, size, end, zero ? DEFINED : UNDEFINED);
    this.table.add(ptr, size, base, end, ++this.lastSeq, typeof stack === 'function' ? captureStack(this.settings.stackDepth, stack) : stack);
    this.liveCount++;
    this.liveNow += size;
    if (this.liveNow > this.livePeak) this.livePeak = this.liveNow;
    return ptr;
  }

  /**
   * realloc of a large block through the underlying allocator. Its realloc keeps (or
   * copies) the left redzone and the payload; the right redzone is rewritten after the
   * new end, and grown bytes are garbage and UNDEFINED. If it moved the block, the old
   * one is gone at once (no quarantine): the history still names it in later reports.
   */
  private resizeInPlace(slot: number, size: number, stack: StackHandle): number {
    const t = this.table;
    const rec = { ptr: t.ptr[slot] as number, size: t.size[slot] as number, base: t.base[slot] as number, end: t.end[slot] as number };
    const left = rec.ptr - rec.base;
    const right = rightRedzone(this.settings.redzone, size);
    const total = left + size + right;
    let base = this.rawRealloc(rec.base, total);
    if (base === 0 && this.quarantine.length > 0) {
      this.drainQuarantine(0);
      this.throwPending();
      base = this.rawRealloc(rec.base, total);
    }
    if (base === 0) return this.failAlloc('realloc', size, 'no room left under maxSize, even with the quarantine flushed');
    this.assertInHeap('realloc', base, total, left, 8);
    const ptr = base + left;
    const end = ptr + size + right;
    const keep = Math.min(rec.size, size);
    const u8 = this.u8;
    const f64 = this.f64;
    fillPattern(u8, f64, ptr + keep, ptr + size, GARBAGE_BYTE);
    fillPattern(u8, f64, ptr + size, end, REDZONE_BYTE);
    const shadow = this.shadow;
    shadow.cover(u8.length);
    if (base !== rec.base) {
      // Moved (possibly overlapping the old span): carry the kept states over (as memmove),
      // then clear what the old span held outside the new one.
      shadow.copy(ptr, rec.ptr, keep);
      if (rec.base < base) shadow.fill(NOT_IN_BLOCK, rec.base, Math.min(rec.end, base));
      if (rec.end > end) shadow.fill(NOT_IN_BLOCK, Math.max(rec.base, end), rec.end);
      shadow.fill(REDZONE, base, ptr);
    } else if (end < rec.end) {
      shadow.fill(NOT_IN_BLOCK, end, rec.end); // shrunk: the tail went back to the allocator
    }
    shadow.fill(UNDEFINED, ptr + keep, ptr + size);
    shadow.fill(REDZONE, ptr + size, end);
    t.markFreed(slot, stack);
    if (base !== rec.base) this.history.add(t, slot);
    t.remove(slot);
    t.add(ptr, size, base, end, ++this.lastSeq, stack);
    this.liveNow += size - rec.size;
    if (this.liveNow > this.livePeak) this.livePeak = this.liveNow;
    return ptr;
  }

  /** The underlying allocator's block must lie inside the heap before any pattern is written to it. */
  private assertInHeap(op: string, base: number, total: number, left: number, alignment: number): void {
    const u32 = this.policy.u32;
    // the memory's end bounds the break: a damaged allocator may have damaged the break too
    const brk = Math.min(u32[this.os.hw + Hdr.W_BRK] as number, this.policy.u8.length);
    assertUnderlyingBlock(op, base, total, left, alignment, u32[this.os.hw + Hdr.W_HEAP_START] as number, brk);
  }

  private rawRealloc(base: number, total: number): number {
    this.nesting++;
    try {
      return super.realloc(base, total);
    } catch (error) {
      if (error instanceof OutOfMemoryError) return 0;
      throw error;
    } finally {
      this.nesting--;
    }
  }

  /** The underlying allocation, 0 on failure whatever onOutOfMemory says. */
  private rawAlloc(total: number, alignment: number): number {
    this.nesting++;
    try {
      return alignment <= 8 ? super.malloc(total) : super.alignedAlloc(alignment, total);
    } catch (error) {
      if (error instanceof OutOfMemoryError) return 0;
      throw error;
    } finally {
      this.nesting--;
    }
  }

  private failAlloc(op: string, size: number, reason: string): number {
    if (this.throwOnOom) throw new OutOfMemoryError(op, size, reason);
    return 0;
  }

  /** Marks a live block freed: poisoned into quarantine, or released at once if larger than the quarantine. */
  private release(slot: number, stack: StackHandle): void {
    const t = this.table;
    t.markFreed(slot, stack);
    const ptr = t.ptr[slot] as number;
    const size = t.size[slot] as number;
    const span = (t.end[slot] as number) - (t.base[slot] as number);
    this.liveCount--;
    this.liveNow -= size;
    this.shadow.fill(FREED, ptr, ptr + size);
    if (!this.quarantine.admits(span)) {
      this.evict(slot, false);
      return;
    }
    fillPattern(this.u8, this.f64, ptr, ptr + size, FREED_BYTE);
    this.quarantine.push(slot, span);
    if (this.quarantine.over) this.drainQuarantine(this.quarantine.capacity);
  }

  /** Evicts the oldest quarantined blocks until at most `keepBytes` remain. */
  private drainQuarantine(keepBytes: number): void {
    while (this.quarantine.bytes > keepBytes) {
      const slot = this.quarantine.pop();
      if (slot < 0) break;
      this.evict(slot, true);
    }
  }

  /** Really frees a freed block (after verifying its poison and redzones) and remembers it in the history. */
  private evict(slot: number, verify: boolean): void {
    if (verify) this.verifyFreed(slot, 'found when the block left quarantine', true);
    const t = this.table;
    const base = t.base[slot] as number;
    this.history.add(t, slot);
    t.remove(slot);
    this.nesting++;
    try {
      super.free(base);
    } finally {
      this.nesting--;
    }
    // The span keeps its REDZONE / FREED states: neither is addressable, a later access is
    // still classified against the history, and the next block there rewrites its states.
    // (One pass over the block fewer: the shadow is kept on every malloc and free.)
  }

  // ───────────────────────────────────── verification

  /** Both redzones of a block (live or freed); returns true if intact. */
  private verifyRedzones(slot: number, foundBy: string, deferred: boolean): boolean {
    const t = this.table;
    const u8 = this.u8;
    const f64 = this.f64;
    if (redzonesIntact(u8, f64, t.base[slot] as number, t.ptr[slot] as number, t.size[slot] as number, t.end[slot] as number)) return true;
    const rec = t.record(slot);
    for (const damage of inspectRedzones(u8, f64, rec)) this.reportDamage(rec, damage, foundBy, deferred);
    return false;
  }

  /** A quarantined block: its payload must still hold the freed pattern, its redzones theirs. */
  private verifyFreed(slot: number, foundBy: string, deferred: boolean): void {
    const t = this.table;
    const u8 = this.u8;
    const f64 = this.f64;
    const ptr = t.ptr[slot] as number;
    if (findNot(u8, f64, ptr, ptr + (t.size[slot] as number), FREED_BYTE) >= 0) {
      const rec = t.record(slot);
      const damage = inspectPoison(u8, f64, rec);
      if (damage !== null) this.reportDamage(rec, damage, foundBy, deferred);
    }
    this.verifyRedzones(slot, foundBy, deferred);
  }

  private reportDamage(rec: BlockRecord, d: Damage, foundBy: string, deferred: boolean): void {
    const u8 = this.u8;
    const what = d.kind === 'heap-use-after-free' ? `WRITE after free: ${bytes(d.changed)} of the freed block changed`
      : `WRITE ${d.kind === 'heap-buffer-overflow' ? 'past the end' : 'before the start'} of the block: ` +
        `${bytes(d.changed)} of its redzone [${d.from}, ${d.to}) changed`;
    const pattern = d.kind === 'heap-use-after-free' ? 'freed memory is filled with' : 'the redzone pattern is';
    this.emit(this.makeReport(d.kind, d.at, `${what} (${foundBy})`, placementOf(rec, d.at), this.stackNow(),
      `the byte at ${d.at} holds ${hex(u8[d.at] as number)}; ${pattern} ${hex(d.expected)}`), deferred);
    if (!this.settings.throws) repair(u8, d);
  }

  // ───────────────────────────────────── pointers passed to free/realloc/usableSize/view

  /** The slot of the live block starting at ptr, or a report (double-free / bad-free / use-after-free); -1 if collected. */
  private liveSlot(op: string, ptr: number): number {
    const t = this.table;
    const slot = typeof ptr === 'number' ? t.find(ptr) : -1;
    if (slot >= 0 && t.state[slot] === SLOT_LIVE) return slot;
    const rec = slot >= 0 ? t.record(slot) : undefined;
    this.emit(this.reportOf(classifyBadPointer(op, ptr, rec, t.records(), this.history)), false);
    return -1;
  }

  // ───────────────────────────────────── the checked accessor's checks

  /**
   * Checks every byte of [address, address+size): 'read' needs DEFINED bytes, 'write'
   * and 'copy-from' need bytes of a live block (defined or not). A write defines them.
   * Returns whether the access may proceed (false only in 'collect' mode, or when it
   * would fall outside the memory).
   */
  private access(address: number, size: number, mode: AccessMode, what: string): boolean {
    if (typeof address !== 'number' || !Number.isSafeInteger(address)) {
      throw new TypeError(`heap.checked().${what}: address must be an integer, got ${describePointer(address)}`);
    }
    const length = this.u8.length;
    const shadow = this.shadow;
    shadow.cover(length);
    const end = address + size;
    const a = shadow.firstInaccessible(address, end, mode === 'read', length);
    if (a >= 0) {
      const finding = classifyAccess(address, size, a, a < length ? shadow.state(a) : NOT_IN_BLOCK, mode, what, this.table.records(), this.history, length);
      this.emit(this.reportOf(finding), false);
      // collect mode: a bad read returns what is there, if anything; a bad write is skipped
      return mode !== 'write' && address >= 0 && end <= length;
    }
    if (mode === 'write') shadow.fill(DEFINED, address, end);
    return true;
  }

  private copyChecked(dst: number, src: number, length: number): void {
    assertSize('heap.checked().copy', 'length', length);
    if (!this.access(src, length, 'copy-from', 'copy (source)')) return;
    // The destination must be in a live block; its new states are the source's, not DEFINED.
    if (!this.access(dst, length, 'copy-from', 'copy (destination)')) return;
    this.u8.copyWithin(dst, src, src + length);
    this.shadow.copy(dst, src, length);
  }

  // ───────────────────────────────────── reports

  private reportOf(f: Finding): DebugReport {
    return this.makeReport(f.kind, f.address, f.headline, f.place, this.stackNow(), f.detail);
  }

  private makeReport(kind: DebugErrorKind, address: number, headline: string, place: Placement | null, stack: string, detail?: string): DebugReport {
    const rec = place?.record ?? null;
    const depth = this.settings.stackDepth;
    return new DebugReport({
      kind,
      address,
      headline,
      relation: place === null ? '' : describePlacement(place),
      block: rec === null ? null : { ptr: rec.ptr, size: rec.size },
      stack,
      allocStack: rec === null ? undefined : formatStack(rec.allocStack, depth),
      freeStack: rec === null || !rec.freed ? undefined : formatStack(rec.freeStack, depth),
      detail,
      dump: Number.isFinite(address) ? this.dumpAround(address) : '',
    });
  }

  /** The hex dump around `address`, with the shadow's state of every byte. */
  private dumpAround(address: number): string {
    const shadow = this.shadow;
    return hexDump(this.u8, (a) => STATE_CHARS[shadow.state(a)], STATE_LEGEND, address);
  }

  /** The stack of the program's call into this heap (or its checked accessor). */
  private stackNow(): string {
    return captureCallerStack(this.settings.stackDepth, ENTRY_POINTS);
  }

  /** Throws (or, deferred, keeps the first to throw at the end of the call) or collects. */
  private emit(report: DebugReport, deferred: boolean): void {
    this.reportTotal++;
    this.settings.onReport?.(report);
    if (this.settings.throws) {
      if (!deferred) throw new HeapDebugError(report);
      this.pending ??= report;
      return;
    }
    if (this.collected.length < this.settings.maxReports) this.collected.push(report);
  }

  private throwPending(): void {
    const report = this.pending;
    if (report === null) return;
    this.pending = null;
    this.dropListenerFault(); // the report is this call's own error: it wins
    throw new HeapDebugError(report);
  }
}

/** Where the program's frames end in a report's stack (stacks.ts). */
const ENTRY_POINTS: readonly EntryPoint[] = entryPointsOf(DebugHeap.prototype, Heap.prototype, CheckedMemory.prototype);

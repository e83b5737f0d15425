/**
 * One thread's allocator over a thread-shared heap (layout.ts has the diagram
 * and the glossary). It implements the core AllocatorPolicy interface, so the
 * ordinary Heap facade (argument checks, views, calloc, out-of-memory policy)
 * sits in front of it; SharedHeap (shared-heap.ts) adds detach and statistics.
 *
 * malloc(n): arena queue head of n's class ─▶ pop its free list, or bump     no lock
 *              │ queue empty
 *              ▼
 *            collect the delayed-free list (blocks other threads freed)     one Atomics.exchange
 *              │ still empty
 *              ▼
 *            new span from the global page allocator                        global lock
 *
 * free(p):   validate (page map, span header, block offset, tag) ─▶
 *              owner is me:   CAS tag USED→FREE, push on the span's free list   no lock
 *              owner is not:  CAS tag USED→PENDING, push on the owner arena's
 *                             delayed list (CAS loop); if that arena is
 *                             abandoned, collect it on the spot                lock-free
 *
 * Who writes what (the reason no lock is needed on the fast paths):
 *   - a span's free list, bump, used count and queue links: only its owner arena's
 *     thread (or the one thread that has CAS'd an abandoned arena to COLLECTING);
 *   - block tags: CAS by whoever frees (so two racing frees of one block cannot
 *     both succeed: the loser gets DoubleFreeError), plain stores by the owner
 *     on malloc (nobody else may touch a free block);
 *   - an arena's delayed list head: pushed by CAS from any thread, emptied by its
 *     owner with one Atomics.exchange. Push-only plus take-all has no ABA problem;
 *   - the page map, free-page list, break and large spans: under the global lock.
 *
 * Write orders chosen so that a thread stopped at any instant (worker.terminate)
 * leaves the lists consistent, with at most the block in hand lost:
 *   pop a free block: unlink it, then tag it USED; bump: tag, then move the bump;
 *   free: tag FREE (CAS), then link; drain: take the chain into A_DRAIN in one
 *   statement, then move it block by block through A_CUR. reclaim.ts relies on this.
 */
import { DoubleFreeError, HeapError, InvalidPointerError } from '../base/errors.js';
import type { BlockInfo, HeapEventListener } from '../base/types.js';
import type { AllocatorPolicy, PolicyUsage } from '../alloc/policy.js';
import type { OsLayer } from '../os/os-layer.js';
import { Hdr } from '../os/header.js';
import { checkSharedHeap, listBlocks } from './check.js';
import {
  A_ATTACHES, A_CUR, A_DELAYED, A_DRAIN, A_PAGES, A_QUEUE, A_STATE, A_THREAD, AF_FREES, AF_LIVE_BLOCKS, AF_LIVE_BYTES, AF_MALLOCS, AF_PEAK_LIVE_BYTES, AF_REMOTE_IN, AF_SLOT_BYTE, AF_SLOTS, AF_USED_BYTES, ARENA_ABANDONED, ARENA_ACTIVE, ARENA_COLLECTING, ARENA_FREE, ARENA_TABLE_BYTE, ARENA_WORDS, BLOCK_HEADER, CLASS_COUNT, CLASS_SIZE, FLAG_IN_QUEUE, FREE_TAG, G_FIRST_PAGE, G_FREE_PAGES, G_LARGE_LIVE, G_MAP_W, G_MAX_ARENAS, G_PROBE, GF_LARGE_BYTES, GF_LARGE_FREES, GF_LARGE_MALLOCS, GF_LARGE_USED, LARGE, MAP_CONT, MAP_HEAD, MAP_INDEX, NO_OWNER, P_BSIZE, P_BUMP, P_CLASS, P_END, P_FLAGS, P_FREE, P_MAGIC, P_NEXT, P_NPAGES, P_OWNER, P_PAYLOAD, P_PREV, P_USED, PAGE, PAGE_SHIFT, PENDING_TAG, SMALL_MAX_NEED, SPAN_HEADER, SPAN_MAGIC, THREADS_POLICY_ID, USED_TAG, classOf, spanPages,
} from './layout.js';
import { canBlock, lockAcquire, lockRelease } from './lock.js';

/** The state word of an arena being collected by the thread with `tag` (so reclaimThread can tell a dead collector). */
export function collectingState(tag: number): number {
  return ARENA_COLLECTING | ((tag + 1) << 2);
}
import { releaseSpan, takeSpan, largestFreeRun, type PageViews } from './pages.js';

export class ArenaPolicy implements AllocatorPolicy, PageViews {
  readonly policyId = THREADS_POLICY_ID;
  readonly name = 'threads';
  /** The thread-shared heap is not one of the compared policies: its work is not counted. */
  readonly work = 0;
  readonly metadataBytes: number;

  u8!: Uint8Array;
  u32!: Uint32Array;
  i32!: Int32Array;
  f64!: Float64Array;
  generation = -1;
  /** Bytes covered by the current views. */
  viewBytes = 0;

  readonly mapW: number;
  readonly firstPage: number;
  readonly maxArenas: number;
  /** This thread's tag: the lock word and the arena record name it (reclaimThread). */
  readonly tag: number;
  /** Whether this thread may sleep in Atomics.wait (not on a browser main thread). */
  readonly blocking: boolean;

  /** The arena this object allocates from: index, word index of its record, f64 slot of its statistics; -1 when none. */
  ai = -1;
  aw = -1;
  af = -1;
  /** Blocks this object handed to another arena's delayed list. */
  remoteFrees = 0;
  /** malloc calls, to pace the delayed-list checks. */
  private tick = 0;
  /** Sink for the drain's look-ahead loads (a load whose value is unused could be dropped). */
  private lookAhead = 0;

  constructor(readonly os: OsLayer, tag: number) {
    this.refresh();
    this.mapW = this.u32[G_MAP_W];
    this.firstPage = this.u32[G_FIRST_PAGE];
    this.maxArenas = this.u32[G_MAX_ARENAS];
    this.metadataBytes = this.firstPage;
    this.tag = tag;
    this.blocking = canBlock(this.i32, G_PROBE);
  }

  // ───────────────────────────────────────────── views

  refresh(): void {
    const buf = this.os.backing.buffer;
    const len = buf.byteLength;
    this.u8 = new Uint8Array(buf, 0, len);
    this.u32 = new Uint32Array(buf, 0, Math.floor(len / 4));
    this.i32 = new Int32Array(buf, 0, Math.floor(len / 4));
    this.f64 = new Float64Array(buf, 0, Math.floor(len / 8));
    this.viewBytes = len;
    this.generation = this.u32[Hdr.W_GENERATION];
  }

  /** One plain read: another thread that grew the buffer bumped the generation word. */
  sync(): void {
    if (this.u32[Hdr.W_GENERATION] !== this.generation) this.refresh();
  }

  format(): void {
    throw new HeapError('a thread-shared heap is laid out by createSharedHeap');
  }

  setListener(listener: HeapEventListener | null): void {
    if (listener !== null) throw new HeapError('onEvent: a thread-shared heap does not emit allocation events');
  }

  arenaW(ai: number): number {
    return (ARENA_TABLE_BYTE >>> 2) + ai * ARENA_WORDS;
  }

  arenaF(ai: number): number {
    return (ARENA_TABLE_BYTE + ai * ARENA_WORDS * 4 + AF_SLOT_BYTE) >>> 3;
  }

  /**
   * Takes the global lock, then makes sure the views reach the break: the page
   * allocator walks pages (free-list links, span headers) anywhere below it, and
   * another thread may have grown the buffer. A stale view reads undefined there,
   * and an address computed from undefined becomes word 0, the heap's magic.
   */
  lock(): void {
    lockAcquire(this.i32, Hdr.W_LOCK, this.tag, this.blocking);
    if (this.u32[Hdr.W_BRK] > this.viewBytes) this.refresh();
  }

  unlock(): void {
    lockRelease(this.i32, Hdr.W_LOCK);
  }

  // ───────────────────────────────────────────── malloc

  malloc(n: number): number {
    let aw = this.aw;
    if (aw < 0) { this.acquireArena(); aw = this.aw; }
    // Look at the delayed list every 32 mallocs (and whenever a queue runs dry), not
    // every time: other threads write that line, and reading it on every call
    // would pull it back and forth between cores.
    if ((++this.tick & 31) === 0 && this.u32[aw + A_DELAYED] !== 0) this.drainDelayed();
    const need = n + BLOCK_HEADER;
    if (need > SMALL_MAX_NEED) return this.mallocLarge(n, 8);
    const cls = classOf(need);
    let pg = this.u32[aw + A_QUEUE + cls];
    if (pg === 0) {
      pg = this.newSmallSpan(cls);
      if (pg === 0) return 0;
    }
    return this.allocFrom(pg, cls, n);
  }

  /** Takes a block from span pg (in the queue, so it has one) for n bytes. */
  private allocFrom(pg: number, cls: number, n: number): number {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const bsize = u32[pw + P_BSIZE];
    let b = u32[pw + P_FREE];
    if (b !== 0) {
      u32[pw + P_FREE] = u32[(b + 8) >>> 2];
      u32[b >>> 2] = USED_TAG | cls;
    } else {
      b = u32[pw + P_BUMP];
      u32[b >>> 2] = USED_TAG | cls;
      u32[pw + P_BUMP] = b + bsize;
    }
    u32[(b + 4) >>> 2] = n;
    u32[pw + P_USED] += 1;
    if (u32[pw + P_FREE] === 0 && u32[pw + P_BUMP] + bsize > u32[pw + P_END]) this.unqueue(pg, cls);
    const f64 = this.f64;
    const af = this.af;
    f64[af + AF_LIVE_BLOCKS] += 1;
    f64[af + AF_USED_BYTES] += bsize;
    f64[af + AF_MALLOCS] += 1;
    const live = f64[af + AF_LIVE_BYTES] + n;
    f64[af + AF_LIVE_BYTES] = live;
    if (live > f64[af + AF_PEAK_LIVE_BYTES]) f64[af + AF_PEAK_LIVE_BYTES] = live;
    return b + BLOCK_HEADER;
  }

  /** Queue of cls is empty: collect blocks other threads freed, else take a new span. */
  private newSmallSpan(cls: number): number {
    const aw = this.aw;
    if (Atomics.load(this.i32, aw + A_DELAYED) !== 0) {
      this.drainDelayed();
      const pg = this.u32[aw + A_QUEUE + cls];
      if (pg !== 0) return pg;
    }
    const np = spanPages(cls);
    this.lock();
    const pg = takeSpan(this, np);
    if (pg !== 0) {
      const u32 = this.u32;
      const pw = pg >>> 2;
      u32[pw + P_CLASS] = cls;
      u32[pw + P_BSIZE] = CLASS_SIZE[cls];
      u32[pw + P_OWNER] = this.ai;
      u32[pw + P_FREE] = 0;
      u32[pw + P_BUMP] = pg + SPAN_HEADER;
      u32[pw + P_END] = pg + np * PAGE;
      u32[pw + P_USED] = 0;
      u32[pw + P_NEXT] = 0;
      u32[pw + P_PREV] = 0;
      u32[pw + P_NPAGES] = np;
      u32[pw + P_FLAGS] = 0;
      u32[pw + P_PAYLOAD] = 0;
      u32[pw + P_MAGIC] = SPAN_MAGIC; // last: repairPages frees a span without it
    }
    this.unlock();
    if (pg === 0) return 0;
    this.u32[aw + A_PAGES] += 1;
    this.enqueue(pg, cls);
    return pg;
  }

  /** Inserts span pg second in its class queue (the head stays the allocation span). */
  enqueue(pg: number, cls: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const hi = this.aw + A_QUEUE + cls;
    const head = u32[hi];
    if (head === 0) {
      u32[pw + P_NEXT] = 0;
      u32[pw + P_PREV] = 0;
      u32[hi] = pg;
    } else {
      const hw = head >>> 2;
      const next = u32[hw + P_NEXT];
      u32[pw + P_NEXT] = next;
      u32[pw + P_PREV] = head;
      if (next !== 0) u32[(next >>> 2) + P_PREV] = pg;
      u32[hw + P_NEXT] = pg;
    }
    u32[pw + P_FLAGS] |= FLAG_IN_QUEUE;
  }

  unqueue(pg: number, cls: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const next = u32[pw + P_NEXT];
    const prev = u32[pw + P_PREV];
    if (prev !== 0) u32[(prev >>> 2) + P_NEXT] = next;
    else u32[this.aw + A_QUEUE + cls] = next;
    if (next !== 0) u32[(next >>> 2) + P_PREV] = prev;
    u32[pw + P_NEXT] = 0;
    u32[pw + P_PREV] = 0;
    u32[pw + P_FLAGS] &= ~FLAG_IN_QUEUE;
  }

  /** A large span of its own: requests above the classes, and alignments above 8. */
  private mallocLarge(n: number, align: number): number {
    const lead = SPAN_HEADER + BLOCK_HEADER;
    const bytes = n + lead + (align > BLOCK_HEADER ? align : 0);
    const npages = Math.ceil(bytes / PAGE);
    if (npages * PAGE > 2 ** 32) return 0;
    this.lock();
    const pg = takeSpan(this, npages);
    let payload = 0;
    if (pg !== 0) {
      const u32 = this.u32;
      const pw = pg >>> 2;
      payload = Math.ceil((pg + lead) / align) * align;
      u32[pw + P_CLASS] = LARGE;
      u32[pw + P_NPAGES] = npages;
      u32[pw + P_OWNER] = NO_OWNER;
      u32[pw + P_PAYLOAD] = payload;
      u32[pw + P_BSIZE] = pg + npages * PAGE - payload;
      u32[pw + P_FREE] = 0;
      u32[pw + P_BUMP] = 0;
      u32[pw + P_END] = 0;
      u32[pw + P_USED] = 1;
      u32[pw + P_FLAGS] = 0;
      u32[(payload - 8) >>> 2] = USED_TAG | LARGE;
      u32[(payload - 4) >>> 2] = n;
      u32[pw + P_MAGIC] = SPAN_MAGIC;
      u32[G_LARGE_LIVE] += 1;
      const f64 = this.f64;
      f64[GF_LARGE_BYTES] += n;
      f64[GF_LARGE_USED] += npages * PAGE;
      f64[GF_LARGE_MALLOCS] += 1;
    }
    this.unlock();
    return payload;
  }

  alignedAlloc(alignment: number, size: number): number {
    if (alignment <= BLOCK_HEADER) return this.malloc(size);
    return this.mallocLarge(size, alignment);
  }

  // ───────────────────────────────────────────── free

  free(p: number): void {
    const u32 = this.u32;
    if ((p >>> 0) !== p || (p & 7) !== 0 || p < this.firstPage || p >= this.viewBytes) return this.freeOdd(p);
    let pi = p >>> PAGE_SHIFT;
    let e = u32[this.mapW + pi];
    if (e >= MAP_CONT) { pi = e & MAP_INDEX; e = u32[this.mapW + pi]; }
    if (e < MAP_HEAD || e >= MAP_CONT) throw new InvalidPointerError('free', p, 'not inside an allocated span');
    const pg = pi * PAGE;
    const pw = pg >>> 2;
    const cls = u32[pw + P_CLASS];
    if (cls === LARGE) return this.freeLarge(p, pg);
    const b = p - BLOCK_HEADER;
    const bsize = u32[pw + P_BSIZE];
    const off = b - pg - SPAN_HEADER;
    if (off < 0 || off % bsize !== 0 || b >= u32[pw + P_BUMP]) throw new InvalidPointerError('free', p, 'not the start of a block');
    const used = USED_TAG | cls;
    // No plain read of the tag before the CAS: a block freed by another thread sits
    // in the allocating core's cache, and a read followed by a CAS would fetch its
    // line twice (shared, then exclusive). The CAS changes nothing unless the tag is
    // USED, so a bad tag still throws before anything changes.
    if (u32[pw + P_OWNER] === this.ai) {
      const seen = Atomics.compareExchange(this.i32, b >>> 2, used, FREE_TAG);
      if (seen !== used) this.badTag('free', p, seen >>> 0);
      this.localFree(pg, b, cls, bsize);
    } else {
      this.remoteFree(pg, b, used);
    }
  }

  /** Pointers outside the current views: maybe another thread grew the buffer; else invalid. */
  private freeOdd(p: number): void {
    if (typeof p === 'number' && (p >>> 0) === p && p >= this.viewBytes && p < this.u32[Hdr.W_BRK]) {
      this.refresh();
      if (p < this.viewBytes) return this.free(p);
    }
    this.locate('free', p); // throws the precise error
    throw new InvalidPointerError('free', p, 'not a block');
  }

  badTag(op: string, p: number, tag: number): never {
    if (tag === FREE_TAG || tag === PENDING_TAG) throw new DoubleFreeError(op, p);
    throw new InvalidPointerError(op, p, 'no block header at this address');
  }

  /** Frees block b (tag already FREE) of a span of this arena. */
  localFree(pg: number, b: number, cls: number, bsize: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    const n = u32[(b + 4) >>> 2];
    u32[(b + 8) >>> 2] = u32[pw + P_FREE];
    u32[pw + P_FREE] = b;
    const used = u32[pw + P_USED] - 1;
    u32[pw + P_USED] = used;
    const f64 = this.f64;
    const af = this.af;
    f64[af + AF_LIVE_BLOCKS] -= 1;
    f64[af + AF_LIVE_BYTES] -= n;
    f64[af + AF_USED_BYTES] -= bsize;
    f64[af + AF_FREES] += 1;
    if ((u32[pw + P_FLAGS] & FLAG_IN_QUEUE) === 0) this.enqueue(pg, cls);
    if (used === 0 && u32[this.aw + A_QUEUE + cls] !== pg) this.retire(pg, cls);
  }

  /** An empty span goes back to the global page allocator. */
  retire(pg: number, cls: number): void {
    this.unqueue(pg, cls);
    this.u32[this.aw + A_PAGES] -= 1;
    this.lock();
    releaseSpan(this, pg);
    this.unlock();
  }

  /** Block b of another arena's span: mark it PENDING and push it on the owner's delayed list. */
  private remoteFree(pg: number, b: number, used: number): void {
    const i32 = this.i32;
    const seen = Atomics.compareExchange(i32, b >>> 2, used, PENDING_TAG);
    if (seen !== used) this.badTag('free', b + BLOCK_HEADER, seen >>> 0);
    // The owner cannot change now: the block counts as used until the owner collects it.
    const owner = this.u32[(pg >>> 2) + P_OWNER];
    const ow = this.arenaW(owner);
    const di = ow + A_DELAYED;
    let h = Atomics.load(i32, di);
    for (;;) {
      this.u32[(b + 8) >>> 2] = h;
      // Look-ahead for the owner's drain: the block two further down. A chain only grows at
      // its head, so h's link is final once h is on it (and h is usually this thread's own
      // last push, still in this core's cache).
      this.u32[(b + 12) >>> 2] = h !== 0 ? this.u32[(h + 8) >>> 2] : 0;
      const seen = Atomics.compareExchange(i32, di, h, b | 0);
      if (seen === h) break;
      h = seen;
    }
    this.remoteFrees++;
    // An abandoned arena has no owner to collect: whoever frees into it does (seq-cst
    // load after the push; detach stores ABANDONED then re-reads the list: one of the two sees the other).
    if (Atomics.load(i32, ow + A_STATE) === ARENA_ABANDONED) this.collectAbandoned(owner);
  }

  private freeLarge(p: number, pg: number): void {
    const u32 = this.u32;
    const pw = pg >>> 2;
    if (p !== u32[pw + P_PAYLOAD]) throw new InvalidPointerError('free', p, 'inside a large block, not its start');
    const used = USED_TAG | LARGE;
    if (u32[(p - 8) >>> 2] !== used) this.badTag('free', p, u32[(p - 8) >>> 2]);
    this.lock();
    // The tag changes under the lock, so the span is released exactly once.
    if (Atomics.compareExchange(this.i32, (p - 8) >>> 2, used, FREE_TAG) !== used) {
      this.unlock();
      throw new DoubleFreeError('free', p);
    }
    u32[G_LARGE_LIVE] -= 1;
    const f64 = this.f64;
    f64[GF_LARGE_BYTES] -= u32[(p - 4) >>> 2];
    f64[GF_LARGE_USED] -= u32[pw + P_NPAGES] * PAGE;
    f64[GF_LARGE_FREES] += 1;
    releaseSpan(this, pg);
    this.unlock();
  }

  // ───────────────────────────────────────────── delayed frees

  /** Collects the blocks other threads freed into this arena. */
  drainDelayed(): void {
    const aw = this.aw;
    // One statement: the chain is never only in a local variable (reclaim.ts).
    this.u32[aw + A_DRAIN] = Atomics.exchange(this.i32, aw + A_DELAYED, 0);
    this.processDrain();
  }

  processDrain(): void {
    const aw = this.aw;
    let b: number;
    while ((b = this.u32[aw + A_DRAIN]) !== 0) {
      const u32 = this.u32;
      u32[aw + A_CUR] = b;
      u32[aw + A_DRAIN] = u32[(b + 8) >>> 2];
      // Start loading the block two ahead now: walking the chain is one dependent cache
      // miss per block (each line was last written by the freeing core), and this keeps
      // two of them in flight. Only a hint: a stale or zero value just reads some word.
      this.lookAhead ^= u32[u32[(b + 12) >>> 2] >>> 2] | 0;
      this.freePending(b);
      this.u32[aw + A_CUR] = 0;
    }
  }

  /** Frees a PENDING block of this arena (taken from the delayed list). */
  freePending(b: number): void {
    const u32 = this.u32;
    const pg = this.spanOf(b);
    const pw = pg >>> 2;
    const cls = u32[pw + P_CLASS];
    u32[b >>> 2] = FREE_TAG;
    this.localFree(pg, b, cls, u32[pw + P_BSIZE]);
    this.f64[this.af + AF_REMOTE_IN] += 1;
  }

  /** The span holding address a (which must be inside a span). */
  spanOf(a: number): number {
    let pi = a >>> PAGE_SHIFT;
    const e = this.u32[this.mapW + pi];
    if (e >= MAP_CONT) pi = e & MAP_INDEX;
    return pi * PAGE;
  }

  /** Retires every empty span of the current arena (queue heads included). Returns bytes released. */
  retireEmpty(): number {
    let released = 0;
    for (let cls = 0; cls < CLASS_COUNT; cls++) {
      let pg = this.u32[this.aw + A_QUEUE + cls];
      while (pg !== 0) {
        const next = this.u32[(pg >>> 2) + P_NEXT];
        if (this.u32[(pg >>> 2) + P_USED] === 0) {
          released += this.u32[(pg >>> 2) + P_NPAGES] * PAGE;
          this.retire(pg, cls);
        }
        pg = next;
      }
    }
    return released;
  }

  // ───────────────────────────────────────────── arenas: attach, detach, adopt

  /** Takes an arena for this thread: an abandoned one first (adopting its blocks), else a free one. */
  acquireArena(): void {
    this.sync();
    const i32 = this.i32;
    for (const want of [ARENA_ABANDONED, ARENA_FREE]) {
      for (let ai = 0; ai < this.maxArenas; ai++) {
        const aw = this.arenaW(ai);
        if (Atomics.compareExchange(i32, aw + A_STATE, want, ARENA_ACTIVE) !== want) continue;
        const u32 = this.u32;
        if (want === ARENA_FREE) {
          u32[aw + A_PAGES] = 0;
          u32[aw + A_DRAIN] = 0;
          u32[aw + A_CUR] = 0;
          u32.fill(0, aw + A_QUEUE, aw + A_QUEUE + CLASS_COUNT);
          const af = this.arenaF(ai);
          this.f64.fill(0, af, af + AF_SLOTS);
        }
        u32[aw + A_THREAD] = this.tag;
        u32[aw + A_ATTACHES] += 1;
        this.ai = ai;
        this.aw = aw;
        this.af = this.arenaF(ai);
        return;
      }
    }
    throw new HeapError(`all ${this.maxArenas} arenas of this shared heap are attached: detach() threads that are done ` +
      '(or reclaimThread() dead ones), or create the heap with a larger maxArenas');
  }

  /** Gives this thread's arena up: empty spans go back to the pool, the rest waits to be adopted. */
  detach(): void {
    if (this.aw < 0) return;
    this.sync();
    const ai = this.ai;
    const aw = this.aw;
    this.drainDelayed();
    this.retireEmpty();
    const empty = this.u32[aw + A_PAGES] === 0;
    Atomics.store(this.i32, aw + A_STATE, empty ? ARENA_FREE : ARENA_ABANDONED);
    this.ai = -1;
    this.aw = -1;
    this.af = -1;
    // a push that read the state before our store is in the list now: collect it
    if (!empty && Atomics.load(this.i32, aw + A_DELAYED) !== 0) this.collectAbandoned(ai);
  }

  /**
   * Drains an abandoned arena's delayed list and retires its empty spans, as its
   * temporary owner (state COLLECTING with our tag keeps everybody else out). When it holds
   * nothing any more it becomes FREE.
   */
  collectAbandoned(ai: number): void {
    const sw = this.arenaW(ai) + A_STATE;
    const collecting = collectingState(this.tag);
    for (;;) {
      if (Atomics.compareExchange(this.i32, sw, ARENA_ABANDONED, collecting) !== ARENA_ABANDONED) return;
      const empty = this.asOwnerOf(ai);
      Atomics.store(this.i32, sw, empty ? ARENA_FREE : ARENA_ABANDONED);
      if (empty || Atomics.load(this.i32, this.arenaW(ai) + A_DELAYED) === 0) return;
    }
  }

  /** Runs drain + retireEmpty with arena ai as the current one; returns whether it is left empty. */
  asOwnerOf(ai: number, before?: () => void): boolean {
    const saved = [this.ai, this.aw, this.af];
    this.ai = ai;
    this.aw = this.arenaW(ai);
    this.af = this.arenaF(ai);
    try {
      if (this.u32[Hdr.W_BRK] > this.viewBytes) this.refresh(); // its spans may lie beyond our views
      if (before) before();
      this.drainDelayed();
      this.retireEmpty();
      return this.u32[this.aw + A_PAGES] === 0;
    } finally {
      [this.ai, this.aw, this.af] = saved as [number, number, number];
    }
  }

  // ───────────────────────────────────────────── realloc, usableSize

  /** Validates p as a live block; returns its span. Throws InvalidPointerError / DoubleFreeError. */
  locate(op: string, p: unknown): number {
    if (typeof p !== 'number' || (p >>> 0) !== p) throw new InvalidPointerError(op, p, 'not an unsigned 32-bit integer');
    if ((p & 7) !== 0) throw new InvalidPointerError(op, p, 'not 8-aligned');
    if (p >= this.viewBytes && p < this.u32[Hdr.W_BRK]) this.refresh();
    if (p < this.firstPage + SPAN_HEADER + BLOCK_HEADER || p >= this.u32[Hdr.W_BRK]) {
      throw new InvalidPointerError(op, p, 'outside the heap\'s blocks');
    }
    const u32 = this.u32;
    let pi = p >>> PAGE_SHIFT;
    let e = u32[this.mapW + pi];
    if (e >= MAP_CONT) { pi = e & MAP_INDEX; e = u32[this.mapW + pi]; }
    if (e < MAP_HEAD || e >= MAP_CONT) throw new InvalidPointerError(op, p, 'not inside an allocated span');
    const pg = pi * PAGE;
    const pw = pg >>> 2;
    const cls = u32[pw + P_CLASS];
    if (cls === LARGE) {
      if (p !== u32[pw + P_PAYLOAD]) throw new InvalidPointerError(op, p, 'inside a large block, not its start');
    } else {
      const off = p - BLOCK_HEADER - pg - SPAN_HEADER;
      if (off < 0 || off % u32[pw + P_BSIZE] !== 0 || p - BLOCK_HEADER >= u32[pw + P_BUMP]) {
        throw new InvalidPointerError(op, p, 'not the start of a block');
      }
    }
    const tag = u32[(p - BLOCK_HEADER) >>> 2];
    if (tag !== (USED_TAG | cls)) this.badTag(op, p, tag);
    return pg;
  }

  usableSize(p: number): number {
    const pg = this.locate('usableSize', p);
    const pw = pg >>> 2;
    return this.u32[pw + P_CLASS] === LARGE ? this.u32[pw + P_BSIZE] : this.u32[pw + P_BSIZE] - BLOCK_HEADER;
  }

  /**
   * In place when the block's class (or large span) still fits and is not more
   * than twice too big, and this thread owns it (small) — the requested size is
   * part of the owner's statistics; otherwise malloc here, copy, free there.
   */
  realloc(p: number, n: number): number {
    const pg = this.locate('realloc', p);
    const u32 = this.u32;
    const pw = pg >>> 2;
    const cls = u32[pw + P_CLASS];
    const old = u32[(p - 4) >>> 2];
    if (cls !== LARGE) {
      const bsize = u32[pw + P_BSIZE];
      const need = n + BLOCK_HEADER;
      if (need <= bsize && (need * 2 > bsize || bsize <= 64) && u32[pw + P_OWNER] === this.ai && this.ai >= 0) {
        u32[(p - 4) >>> 2] = n;
        const f64 = this.f64;
        const live = f64[this.af + AF_LIVE_BYTES] + n - old;
        f64[this.af + AF_LIVE_BYTES] = live;
        if (live > f64[this.af + AF_PEAK_LIVE_BYTES]) f64[this.af + AF_PEAK_LIVE_BYTES] = live;
        return p;
      }
    } else {
      const usable = u32[pw + P_BSIZE];
      if (n <= usable && (n * 2 > usable || usable <= PAGE)) {
        this.lock();
        u32[(p - 4) >>> 2] = n;
        this.f64[GF_LARGE_BYTES] += n - old;
        this.unlock();
        return p;
      }
    }
    const q = this.malloc(n);
    if (q === 0) return 0;
    this.u8.copyWithin(q, p, p + Math.min(old, n));
    this.free(p);
    return q;
  }

  // ───────────────────────────────────────────── inspection

  trim(): number {
    if (this.aw < 0) return 0;
    this.drainDelayed();
    return this.retireEmpty();
  }

  check(): void {
    this.refresh();
    this.lock();
    try {
      checkSharedHeap(this);
    } finally {
      this.unlock();
    }
  }

  blocks(): BlockInfo[] {
    this.refresh();
    return listBlocks(this);
  }

  /** Free pages only (SharedHeap.stats() adds the free room inside spans). */
  freeSummary(): { freeBytes: number; freeBlocks: number; largestFreeBlock: number } {
    const pages = this.u32[G_FREE_PAGES];
    return { freeBytes: pages * PAGE, freeBlocks: pages, largestFreeBlock: largestFreeRun(this.u32) };
  }

  /** Everything between the first page and the sentinel that is not a free page counts as used. */
  usage(): PolicyUsage {
    const free = this.freeSummary();
    const heapStart = this.u32[this.os.hw + Hdr.W_HEAP_START];
    return { ...free, usedBytes: this.u32[this.os.hw + Hdr.W_BRK] - 8 - heapStart - free.freeBytes };
  }

  /** What maxSize leaves after the metadata, below 2^32 - 2^17 (as the single-threaded heaps). */
  maxRequest(): number {
    return Math.min(2 ** 32 - 2 ** 17, this.f64[this.os.hf + Hdr.F_MAX_SIZE] - this.u32[this.os.hw + Hdr.W_META_BYTES]);
  }

  /** Arena state words, for statistics. */
  arenaState(ai: number): number {
    return Atomics.load(this.i32, this.arenaW(ai) + A_STATE);
  }
}

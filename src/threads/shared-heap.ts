/**
 * The thread-shared heap's entry points: createSharedHeap lays the heap out in a
 * growable SharedArrayBuffer (or a shared WebAssembly.Memory); every thread
 * calls attachSharedHeap (or the core attachHeap, which dispatches here by the
 * policy id in the header) on that memory and gets its own SharedHeap: a Heap
 * whose allocator is this thread's arena (arena.ts).
 *
 *   main thread                              worker
 *   const heap = createSharedHeap()          const heap = attachHeap(workerData.memory,
 *   new Worker(url, { workerData:                            { threadId })
 *     { memory: heap.memory } })             const p = heap.malloc(100) ... heap.free(q)
 *   worker.on('exit', () =>                  heap.detach()  // when done
 *     heap.reclaimThread(worker.threadId))
 */
import { HeapError } from '../base/errors.js';
import { Heap } from '../heap/heap.js';
import type { AttachOptions, HeapEventListener, HeapStats, OutOfMemoryPolicy } from '../base/types.js';
import { optionInteger } from '../base/validate.js';
import { MAX_ADDRESS_SPACE, wrapBacking, type Backing } from '../os/backing.js';
import { BACKING_CODES, Hdr } from '../os/header.js';
import { OsLayer, roundUp } from '../os/os-layer.js';
import { ArenaPolicy } from './arena.js';
import {
  A_ATTACHES, A_PAGES, A_STATE, A_THREAD, AF_FREES, AF_LIVE_BLOCKS, AF_LIVE_BYTES, AF_MALLOCS, AF_PEAK_LIVE_BYTES, AF_REMOTE_IN, AF_USED_BYTES, ARENA_BYTES, ARENA_FREE, ARENA_TABLE_BYTE, AUTO_TAG_BASE, DEFAULT_MAX_ARENAS, G_FIRST_PAGE, G_FREE_PAGES, G_LARGE_LIVE, G_LOCK_BREAKS, G_MAP_PAGES, G_MAP_W, G_MAX_ARENAS, G_NEXT_TOKEN, GF_LARGE_BYTES, GF_LARGE_USED, MAX_ARENAS_LIMIT, MAX_THREAD_ID, PAGE, SMALL_MAX_NEED, THREADS_POLICY_ID,
} from './layout.js';
import { arenaStateName, reclaimThread, type ReclaimResult } from './reclaim.js';

// The global block (layout.ts) starts at byte 256, right after the core heap header.
if (Hdr.HEADER_BYTES > 256) throw new Error('heapflow: the heap header outgrew the 256 bytes the thread-shared layout leaves it');

export interface SharedHeapOptions {
  /** 'shared' (default): a growable SharedArrayBuffer; 'wasm': a shared WebAssembly.Memory. */
  backing?: 'shared' | 'wasm';
  /** For 'wasm': an existing shared WebAssembly.Memory to lay the heap out in (from byte 0). */
  memory?: WebAssembly.Memory;
  /** Bytes at creation (rounded up to whole 64 KiB pages). Default: the metadata + 1 MiB. */
  initialSize?: number;
  /** Largest size the memory may grow to, up to 4 GiB - 64 KiB. Default 1 GiB (reserved address space, not memory). */
  maxSize?: number;
  /** Arena records: at most this many threads allocate at once. Default 64, at most 255. */
  maxArenas?: number;
  onOutOfMemory?: OutOfMemoryPolicy;
  /** This thread's id (see SharedAttachOptions.threadId). */
  threadId?: number;
}

export interface SharedAttachOptions extends AttachOptions {
  /**
   * An integer in [0, 2^29) naming this thread, unique among the threads
   * attached at once: in Node, worker_threads' `threadId` (0 on the main thread).
   * reclaimThread(id) uses it after the thread died. Default: a fresh token.
   */
  threadId?: number;
}

export interface ArenaStats {
  arena: number;
  state: 'free' | 'active' | 'abandoned' | 'collecting';
  /** Tag of the thread that owns (or last owned) it. */
  threadId: number;
  /** Spans (page runs) it holds. */
  spans: number;
  liveBlocks: number;
  /** Requested bytes of its live blocks (blocks freed by other threads count until it collects them). */
  liveBytes: number;
  /** Block bytes of its live blocks (size classes, headers included). */
  usedBytes: number;
  peakLiveBytes: number;
  mallocs: number;
  /** Blocks freed into it, own frees and collected cross-thread frees. */
  frees: number;
  /** Of those, freed by another thread. */
  remoteFreesReceived: number;
  /** Threads that have owned this record. */
  attaches: number;
}

export interface SharedHeapStats extends HeapStats {
  /** This object's arena, -1 before its first allocation and after detach(). */
  arena: number;
  /** Every arena record in use (state not free), whatever thread owns it. */
  arenas: ArenaStats[];
  /** Live large blocks (page runs of their own: requests above 32760 bytes, alignments above 8). */
  largeBlocks: number;
  /** Blocks this object freed into another thread's arena. */
  remoteFrees: number;
  /** Times reclaimThread took the global lock over from a dead thread. */
  lockBreaks: number;
}

export class SharedHeap extends Heap {
  /** @internal use createSharedHeap / attachSharedHeap / attachHeap */
  constructor(private readonly arenaPolicy: ArenaPolicy, os: OsLayer, onOutOfMemory: OutOfMemoryPolicy) {
    super(arenaPolicy, os, onOutOfMemory, null); // its arenas take the header's lock word themselves
  }

  /** This thread's tag (the threadId option, or the token it was given). */
  get threadId(): number {
    return this.arenaPolicy.tag;
  }

  /** The arena this object allocates from, -1 before its first allocation and after detach(). */
  get arenaId(): number {
    return this.arenaPolicy.ai;
  }

  /**
   * This thread is done allocating: blocks other threads freed into its arena
   * are collected, empty spans go back to the shared pool, and the arena is
   * left for adoption (the next thread that attaches takes it over with its
   * live blocks; whoever frees one of them collects it). The object stays
   * usable: free() works, and a later malloc() takes an arena again.
   */
  detach(): void {
    this.arenaPolicy.detach();
  }

  /**
   * After the thread with tag `threadId` died without detach() (terminated
   * worker), repairs what it may have left half-done and releases its arena;
   * see reclaim.ts for exactly what is guaranteed. Call it only for a thread
   * that is really gone (a Worker's 'exit' event); calling it for a live one
   * corrupts the heap.
   */
  reclaimThread(threadId: number): ReclaimResult {
    if (!Number.isInteger(threadId) || threadId < 0 || threadId >= 2 ** 30 - 1) {
      throw new RangeError(`reclaimThread: threadId must be an integer in [0, 2^30 - 1), got ${threadId}`);
    }
    if (threadId === this.arenaPolicy.tag) throw new HeapError('reclaimThread: a thread cannot reclaim itself (use detach)');
    return reclaimThread(this.arenaPolicy, threadId);
  }

  override onEvent(listener: HeapEventListener): () => void {
    void listener;
    throw new HeapError('onEvent: a thread-shared heap does not emit allocation events');
  }

  /**
   * Totals over every arena plus this object's call counters. Exact on a
   * quiescent heap; while other threads run, a snapshot of counters each
   * written by one thread. freeBlocks counts free 64 KiB pages;
   * peakLiveBytes is the sum of the arenas' own peaks (an upper bound).
   */
  override stats(): SharedHeapStats {
    const base = super.stats();
    const h = this.arenaPolicy;
    h.sync();
    const u32 = h.u32;
    const f64 = h.f64;
    const arenas: ArenaStats[] = [];
    let liveBlocks = u32[G_LARGE_LIVE];
    let liveBytes = f64[GF_LARGE_BYTES];
    let usedBytes = f64[GF_LARGE_USED];
    let peak = f64[GF_LARGE_BYTES];
    for (let ai = 0; ai < h.maxArenas; ai++) {
      const aw = h.arenaW(ai);
      const af = h.arenaF(ai);
      const state = Atomics.load(h.i32, aw + A_STATE);
      if (state === ARENA_FREE) continue;
      const a: ArenaStats = {
        arena: ai,
        state: arenaStateName(state),
        threadId: u32[aw + A_THREAD],
        spans: u32[aw + A_PAGES],
        liveBlocks: f64[af + AF_LIVE_BLOCKS],
        liveBytes: f64[af + AF_LIVE_BYTES],
        usedBytes: f64[af + AF_USED_BYTES],
        peakLiveBytes: f64[af + AF_PEAK_LIVE_BYTES],
        mallocs: f64[af + AF_MALLOCS],
        frees: f64[af + AF_FREES],
        remoteFreesReceived: f64[af + AF_REMOTE_IN],
        attaches: u32[aw + A_ATTACHES],
      };
      arenas.push(a);
      liveBlocks += a.liveBlocks;
      liveBytes += a.liveBytes;
      usedBytes += a.usedBytes;
      peak += a.peakLiveBytes;
    }
    const heapSize = u32[Hdr.W_BRK];
    const freeBytes = heapSize - h.firstPage - usedBytes;
    const largest = base.largestFreeBlock;
    return {
      ...base,
      liveBlocks,
      liveBytes,
      usedBytes,
      freeBytes,
      freeBlocks: u32[G_FREE_PAGES],
      peakLiveBytes: peak,
      externalFragmentation: freeBytes > 0 ? Math.max(0, 1 - largest / freeBytes) : 0,
      utilization: base.peakHeapSize > 0 ? Math.min(1, peak / base.peakHeapSize) : 0,
      metadataBytes: h.firstPage,
      arena: h.ai,
      arenas,
      largeBlocks: u32[G_LARGE_LIVE],
      remoteFrees: h.remoteFrees,
      lockBreaks: u32[G_LOCK_BREAKS],
    };
  }
}

/**
 * A new thread-shared heap. Returns the creating thread's SharedHeap; post
 * `heap.memory` to workers and attach there. The creating thread takes an
 * arena only when it first allocates.
 */
export function createSharedHeap(options: SharedHeapOptions = {}): SharedHeap {
  if (options === null || typeof options !== 'object') throw new TypeError('createSharedHeap: options must be an object');
  const kind = options.backing ?? (options.memory ? 'wasm' : 'shared');
  if (kind !== 'shared' && kind !== 'wasm') throw new RangeError(`createSharedHeap: backing must be 'shared' or 'wasm', got ${JSON.stringify(kind)}`);
  const maxArenas = optionInteger('maxArenas', options.maxArenas, DEFAULT_MAX_ARENAS, 1, MAX_ARENAS_LIMIT);
  const maxLimit = MAX_ADDRESS_SPACE - PAGE;
  let maxSize = optionInteger('maxSize', options.maxSize, 2 ** 30, 4 * PAGE, MAX_ADDRESS_SPACE);
  maxSize = Math.min(maxLimit, maxSize - (maxSize % PAGE));
  const mapPages = maxSize / PAGE;
  const mapByte = ARENA_TABLE_BYTE + maxArenas * ARENA_BYTES;
  const firstPage = roundUp(mapByte + mapPages * 4, PAGE);
  if (firstPage + PAGE > maxSize) throw new RangeError(`createSharedHeap: maxSize ${maxSize} leaves no room for pages after the metadata (${firstPage} bytes)`);
  const initialWanted = optionInteger('initialSize', options.initialSize, firstPage + 16 * PAGE, 0, maxSize);
  const initial = Math.min(maxSize, Math.max(firstPage + PAGE, roundUp(initialWanted, PAGE)));

  let memory: SharedArrayBuffer | WebAssembly.Memory;
  if (kind === 'shared') {
    if (options.memory !== undefined) throw new RangeError('createSharedHeap: memory is only for backing \'wasm\'');
    if (typeof SharedArrayBuffer === 'undefined') {
      throw new HeapError('createSharedHeap: SharedArrayBuffer is not available here (in a browser the page must be cross-origin isolated: COOP/COEP headers, see docs/threads.md)');
    }
    memory = new SharedArrayBuffer(initial, { maxByteLength: maxSize });
  } else if (options.memory !== undefined) {
    if (!(options.memory instanceof WebAssembly.Memory) || !isShared(options.memory.buffer)) {
      throw new TypeError('createSharedHeap: memory must be a shared WebAssembly.Memory (new WebAssembly.Memory({ initial, maximum, shared: true }))');
    }
    memory = options.memory;
    if (memory.buffer.byteLength < initial) memory.grow(Math.ceil((initial - memory.buffer.byteLength) / PAGE));
  } else {
    memory = new WebAssembly.Memory({ initial: initial / PAGE, maximum: maxSize / PAGE, shared: true });
  }
  const backing = wrapBacking(memory);
  const u32 = new Uint32Array(backing.buffer, 0, Math.floor(backing.byteLength / 4));
  const f64 = new Float64Array(backing.buffer, 0, Math.floor(backing.byteLength / 8));
  if (u32[Hdr.W_MAGIC] === Hdr.HEAP_MAGIC) throw new HeapError('createSharedHeap: this memory already holds a heap (attach to it instead)');
  u32.fill(0, 0, firstPage >>> 2);
  u32[Hdr.W_VERSION] = Hdr.LAYOUT_VERSION;
  u32[Hdr.W_POLICY] = THREADS_POLICY_ID;
  u32[Hdr.W_META_BYTES] = firstPage;
  u32[Hdr.W_BRK] = firstPage;
  u32[Hdr.W_HEAP_START] = firstPage;
  u32[Hdr.W_PAGE_SIZE] = PAGE;
  u32[Hdr.W_MMAP_THRESHOLD] = SMALL_MAX_NEED - 7;
  u32[Hdr.W_TRIM_THRESHOLD] = 0;
  u32[Hdr.W_STATIC_BASE] = firstPage;
  u32[Hdr.W_STATIC_SIZE] = 0;
  u32[Hdr.W_GENERATION] = 0;
  u32[Hdr.W_BACKING] = BACKING_CODES.indexOf(kind);
  u32[Hdr.W_BASE] = 0;
  u32[Hdr.W_POLICY_META_BYTES] = firstPage - Hdr.HEADER_BYTES;
  const hf = Hdr.F_SLOTS_BYTE >>> 3;
  f64.fill(0, hf, hf + Hdr.F_SLOT_COUNT);
  f64[hf + Hdr.F_MAX_SIZE] = maxSize;
  f64[hf + Hdr.F_INITIAL_SIZE] = backing.byteLength;
  f64[hf + Hdr.F_PEAK_BRK] = firstPage;
  u32[G_MAP_W] = mapByte >>> 2;
  u32[G_MAP_PAGES] = mapPages;
  u32[G_FIRST_PAGE] = firstPage;
  u32[G_MAX_ARENAS] = maxArenas;
  u32[G_NEXT_TOKEN] = AUTO_TAG_BASE;
  Atomics.store(new Int32Array(backing.buffer, 0, 4), Hdr.W_MAGIC, Hdr.HEAP_MAGIC); // last: a half-made heap is never attachable
  return attachShared(backing, { onOutOfMemory: options.onOutOfMemory, threadId: options.threadId }, 'createSharedHeap');
}

/** This thread's SharedHeap over memory that holds a thread-shared heap. */
export function attachSharedHeap(memory: SharedArrayBuffer | WebAssembly.Memory, options: SharedAttachOptions = {}): SharedHeap {
  const ok = (typeof SharedArrayBuffer !== 'undefined' && memory instanceof SharedArrayBuffer) ||
    (memory instanceof WebAssembly.Memory && isShared(memory.buffer));
  if (!ok) throw new TypeError('attachSharedHeap: memory must be a SharedArrayBuffer or a shared WebAssembly.Memory');
  const backing = wrapBacking(memory);
  if (backing.byteLength < Hdr.HEADER_BYTES) throw new HeapError('attachSharedHeap: no heapflow heap in this memory (too small)', 'BAD_HEAP_MEMORY');
  const i32 = new Int32Array(backing.buffer, 0, Hdr.HEADER_BYTES >>> 2);
  if (Atomics.load(i32, Hdr.W_MAGIC) !== Hdr.HEAP_MAGIC) throw new HeapError('attachSharedHeap: no heapflow heap in this memory (magic number missing)', 'BAD_HEAP_MEMORY');
  if (i32[Hdr.W_VERSION] !== Hdr.LAYOUT_VERSION) throw new HeapError(`attachSharedHeap: heap layout version ${i32[Hdr.W_VERSION]} is not supported`, 'BAD_HEAP_MEMORY');
  if (i32[Hdr.W_POLICY] !== THREADS_POLICY_ID) {
    throw new HeapError('attachSharedHeap: this memory holds a single-threaded heap (createHeap), not a thread-shared one (createSharedHeap)', 'BAD_HEAP_MEMORY');
  }
  if (options.base !== undefined && options.base !== 0) throw new RangeError('attachSharedHeap: a thread-shared heap always starts at byte 0 (base)');
  return attachShared(backing, options, 'attachSharedHeap');
}

function attachShared(backing: Backing, options: SharedAttachOptions, op: string): SharedHeap {
  const oom = options.onOutOfMemory ?? 'null';
  if (oom !== 'null' && oom !== 'throw') throw new RangeError(`${op}: onOutOfMemory must be 'null' or 'throw', got ${JSON.stringify(oom)}`);
  let tag: number;
  if (options.threadId !== undefined) {
    const id = options.threadId;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_THREAD_ID) {
      throw new RangeError(`${op}: threadId must be an integer in [0, ${MAX_THREAD_ID}], got ${String(id)}`);
    }
    tag = id;
  } else {
    tag = Atomics.add(new Int32Array(backing.buffer, 0, (G_NEXT_TOKEN + 1)), G_NEXT_TOKEN, 1);
  }
  const os = new OsLayer(backing, 0);
  return new SharedHeap(new ArenaPolicy(os, tag), os, oom);
}

function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

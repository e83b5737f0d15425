/**
 * reclaimThread: what a live thread does for one that died without detach()
 * (worker.terminate(), an uncaught error, process.exit in a worker). JavaScript
 * cannot tell that another thread is gone, so the thread that knows (the one
 * that gets the Worker's 'exit' event) calls it with the dead thread's tag.
 *
 * What it guarantees, given that the thread is really dead:
 *   1. the global lock, if the dead thread held it, is taken over, the page map
 *      and the free-page list are repaired (pages.ts: repairPages), and it is
 *      released; threads waiting on it continue;
 *   2. its arena (or an abandoned one it was collecting) is rebuilt from the
 *      block tags: free lists, used counts, queues and statistics are recomputed,
 *      blocks it was collecting are finished, empty spans go back to the pool,
 *      and the arena becomes ABANDONED (adopted by the next thread that attaches,
 *      collected by whoever frees into it) or FREE;
 *   3. memory lost: at most the one block the thread had in hand at the instant
 *      it stopped (a block it was freeing into another thread's arena stays
 *      allocated); every other block is accounted for.
 */
import { Hdr } from '../os/header.js';
import type { ArenaPolicy } from './arena.js';
import { collectingState } from './arena.js';
import {
  A_CUR, A_DRAIN, A_PAGES, A_QUEUE, A_STATE, A_THREAD, AF_LIVE_BLOCKS, AF_LIVE_BYTES, AF_USED_BYTES, ARENA_ABANDONED, ARENA_ACTIVE, ARENA_FREE, ARENA_STATE_MASK, ARENA_COLLECTING, CLASS_COUNT, FREE_TAG, G_FIRST_PAGE, G_LOCK_BREAKS, G_MAP_W, G_REPAIRS, LARGE, MAP_CONT, MAP_HEAD, MAP_INDEX, P_BSIZE, P_BUMP, P_CLASS, P_END, P_FLAGS, P_FREE, P_MAGIC, P_NEXT, P_OWNER, P_PREV, P_USED, PAGE, PENDING_TAG, SPAN_HEADER, SPAN_MAGIC, USED_TAG,
} from './layout.js';
import { lockSteal } from './lock.js';
import { repairPages } from './pages.js';

export interface ReclaimResult {
  /** The dead thread held the global lock; it was taken over and released. */
  lockBroken: boolean;
  /** Spans or pages the page-map repair had to free (half-made by the dead thread). */
  pagesRepaired: number;
  /** Arenas rebuilt (the dead thread's own, or one it was collecting). */
  arenas: number[];
}

export function reclaimThread(h: ArenaPolicy, deadTag: number): ReclaimResult {
  h.refresh();
  const lockBroken = lockSteal(h.i32, Hdr.W_LOCK, deadTag, h.tag);
  if (!lockBroken) h.lock();
  let pagesRepaired = 0;
  try {
    pagesRepaired = repairPages(h);
    if (lockBroken) h.u32[G_LOCK_BREAKS] += 1;
    if (pagesRepaired > 0) h.u32[G_REPAIRS] += pagesRepaired;
  } finally {
    h.unlock();
  }
  const arenas: number[] = [];
  const mine = collectingState(h.tag);
  const deadCollecting = collectingState(deadTag);
  for (let ai = 0; ai < h.maxArenas; ai++) {
    const sw = h.arenaW(ai) + A_STATE;
    const s = Atomics.load(h.i32, sw);
    const owned = s === ARENA_ACTIVE && h.u32[h.arenaW(ai) + A_THREAD] === deadTag;
    if (!owned && s !== deadCollecting) continue;
    if (Atomics.compareExchange(h.i32, sw, s, mine) !== s) continue;
    const empty = h.asOwnerOf(ai, () => rebuildArena(h, ai));
    Atomics.store(h.i32, sw, empty ? ARENA_FREE : ARENA_ABANDONED);
    if (!empty) h.collectAbandoned(ai); // blocks pushed meanwhile
    arenas.push(ai);
  }
  return { lockBroken, pagesRepaired, arenas };
}

/**
 * Recomputes arena h.ai (current) from its spans' block tags: USED and PENDING
 * blocks are live, anything else below the bump becomes FREE on a fresh free
 * list; queues and statistics are rebuilt; then the block that was being
 * collected (A_CUR) is finished. Runs as the arena's temporary owner.
 */
function rebuildArena(h: ArenaPolicy, ai: number): void {
  const aw = h.aw;
  const af = h.af;
  let u32 = h.u32;
  u32.fill(0, aw + A_QUEUE, aw + A_QUEUE + CLASS_COUNT);
  let pages = 0;
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  const spans: number[] = [];
  h.lock(); // the page map stays still while we look for our spans
  try {
    u32 = h.u32;
    const mapW = u32[G_MAP_W];
    const topIndex = u32[Hdr.W_BRK] / PAGE;
    for (let i = u32[G_FIRST_PAGE] / PAGE; i < topIndex; i++) {
      const e = u32[mapW + i];
      if (e < MAP_HEAD || e >= MAP_CONT) continue;
      const pw = (i * PAGE) >>> 2;
      if (u32[pw + P_MAGIC] === SPAN_MAGIC && u32[pw + P_CLASS] !== LARGE && u32[pw + P_OWNER] === ai) spans.push(i * PAGE);
      i += (e & MAP_INDEX) - 1;
    }
  } finally {
    h.unlock();
  }
  for (const pg of spans) {
    const pw = pg >>> 2;
    const cls = u32[pw + P_CLASS];
    const bsize = u32[pw + P_BSIZE];
    const bump = u32[pw + P_BUMP];
    let used = 0;
    let free = 0;
    for (let b = bump - bsize; b >= pg + SPAN_HEADER; b -= bsize) {
      const tag = u32[b >>> 2];
      if (tag === USED_TAG + cls || tag === PENDING_TAG) {
        used++;
        liveBytes += u32[(b + 4) >>> 2];
      } else {
        u32[b >>> 2] = FREE_TAG;
        u32[(b + 8) >>> 2] = free;
        free = b;
      }
    }
    u32[pw + P_FREE] = free;
    u32[pw + P_USED] = used;
    u32[pw + P_FLAGS] = 0;
    u32[pw + P_NEXT] = 0;
    u32[pw + P_PREV] = 0;
    pages++;
    liveBlocks += used;
    usedBytes += used * bsize;
    if (free !== 0 || bump + bsize <= u32[pw + P_END]) h.enqueue(pg, cls);
  }
  u32[aw + A_PAGES] = pages;
  h.f64[af + AF_LIVE_BLOCKS] = liveBlocks;
  h.f64[af + AF_LIVE_BYTES] = liveBytes;
  h.f64[af + AF_USED_BYTES] = usedBytes;
  // the block the dead thread was collecting: finish it unless the chain still starts with it
  const cur = u32[aw + A_CUR];
  if (cur !== 0 && cur !== u32[aw + A_DRAIN] && u32[cur >>> 2] === PENDING_TAG) h.freePending(cur);
  u32[aw + A_CUR] = 0;
  h.processDrain();
}

/** Arena state names for statistics. */
export function arenaStateName(state: number): 'free' | 'active' | 'abandoned' | 'collecting' {
  switch (state & ARENA_STATE_MASK) {
    case ARENA_FREE: return 'free';
    case ARENA_ACTIVE: return 'active';
    case ARENA_ABANDONED: return 'abandoned';
    case ARENA_COLLECTING: return 'collecting';
  }
  return 'free';
}

/**
 * The global page allocator of a thread-shared heap: hands out spans (runs of
 * 64 KiB pages) and takes them back. Every function here runs under the global
 * lock (lock.ts); nothing else writes the page map, the free-page list or the break.
 *
 * The page map is the truth; the free-page list (doubly linked through the
 * P_NEXT/P_PREV words of free pages) is an index over it. Each change is
 * ordered so that a thread stopped at any instant leaves a state that
 * repairPages() can rebuild from the map alone:
 *   take:    raise the break  ▶ unlink pages from the list ▶ write map entries
 *            ▶ write the span header (the caller, before releasing the lock)
 *   release: clear the header magic ▶ map entries to 0 ▶ link the pages
 * A span whose map says HEAD but whose header has no magic is half-made: repair frees it;
 * so is a large span whose block is already tagged FREE (its release was cut short).
 */
import type { OsLayer } from '../os/os-layer.js';
import { Hdr } from '../os/header.js';
import {
  G_FIRST_PAGE, G_FREE_HEAD, G_FREE_PAGES, G_LARGE_LIVE, G_MAP_PAGES, G_MAP_W, GF_LARGE_BYTES, GF_LARGE_USED, GF_PAGES_RETURNED, GF_PAGES_TAKEN, LARGE, MAP_CONT, MAP_HEAD, MAP_INDEX, P_CLASS, P_MAGIC, P_NEXT, P_NPAGES, P_PAYLOAD, P_PREV, PAGE, PAGE_SHIFT, SPAN_MAGIC, USED_TAG,
} from './layout.js';

/** What the page allocator needs from its caller: current views and a way to re-read them after growth. */
export interface PageViews {
  u32: Uint32Array;
  f64: Float64Array;
  readonly os: OsLayer;
  refresh(): void;
}

function unlinkFree(u32: Uint32Array, pg: number): void {
  const pw = pg >>> 2;
  const next = u32[pw + P_NEXT];
  const prev = u32[pw + P_PREV];
  if (prev !== 0) u32[(prev >>> 2) + P_NEXT] = next;
  else u32[G_FREE_HEAD] = next;
  if (next !== 0) u32[(next >>> 2) + P_PREV] = prev;
  u32[G_FREE_PAGES] -= 1;
}

function linkFree(u32: Uint32Array, pg: number): void {
  const pw = pg >>> 2;
  const head = u32[G_FREE_HEAD];
  u32[pw + P_MAGIC] = 0;
  u32[pw + P_NEXT] = head;
  u32[pw + P_PREV] = 0;
  if (head !== 0) u32[(head >>> 2) + P_PREV] = pg;
  u32[G_FREE_HEAD] = pg;
  u32[G_FREE_PAGES] += 1;
}

/**
 * A span of `npages` pages (map entries written, header NOT written), or 0 when
 * the heap cannot grow that far. Single pages come from the free list; longer
 * runs from a first-fit scan of the map (only when enough pages are free), else
 * from the top, absorbing free pages just below it.
 */
export function takeSpan(h: PageViews, npages: number): number {
  let u32 = h.u32;
  const mapW = u32[G_MAP_W];
  const first = u32[G_FIRST_PAGE] >>> PAGE_SHIFT;
  const topIndex = u32[Hdr.W_BRK] / PAGE;
  let start = -1;
  if (npages === 1 && u32[G_FREE_HEAD] !== 0) {
    start = u32[G_FREE_HEAD] / PAGE;
  } else if (u32[G_FREE_PAGES] >= npages) {
    let run = 0;
    for (let i = first; i < topIndex; i++) {
      if (u32[mapW + i] === 0) {
        if (++run === npages) { start = i - npages + 1; break; }
      } else run = 0;
    }
  }
  if (start < 0) {
    // from the top: free pages right below it join the span
    let below = 0;
    while (below < npages && topIndex - below - 1 >= first && u32[mapW + topIndex - below - 1] === 0) below++;
    start = topIndex - below;
    if (!h.os.raiseBreak(u32, h.f64, (start + npages) * PAGE)) return 0;
    h.refresh();
    u32 = h.u32;
    for (let i = start; i < topIndex; i++) unlinkFree(u32, i * PAGE);
  } else {
    for (let i = start; i < start + npages; i++) unlinkFree(u32, i * PAGE);
  }
  u32[mapW + start] = MAP_HEAD | npages;
  for (let i = 1; i < npages; i++) u32[mapW + start + i] = (MAP_CONT | start) >>> 0;
  h.f64[GF_PAGES_TAKEN] += npages;
  return start * PAGE;
}

/** Gives a span's pages back to the free-page list. */
export function releaseSpan(h: PageViews, pg: number): void {
  const u32 = h.u32;
  const mapW = u32[G_MAP_W];
  const start = pg / PAGE;
  const npages = u32[mapW + start] & MAP_INDEX;
  u32[(pg >>> 2) + P_MAGIC] = 0;
  for (let i = 0; i < npages; i++) u32[mapW + start + i] = 0;
  for (let i = npages - 1; i >= 0; i--) linkFree(u32, (start + i) * PAGE);
  h.f64[GF_PAGES_RETURNED] += npages;
}

/**
 * Rebuilds the free-page list from the map and frees half-made spans (map HEAD
 * without a header). Run under the lock after a thread died holding it.
 * Returns the number of pages it had to free.
 */
export function repairPages(h: PageViews): number {
  h.refresh();
  const u32 = h.u32;
  const mapW = u32[G_MAP_W];
  const first = u32[G_FIRST_PAGE] / PAGE;
  const topIndex = u32[Hdr.W_BRK] / PAGE;
  const mapPages = u32[G_MAP_PAGES];
  for (let i = topIndex; i < mapPages; i++) u32[mapW + i] = 0; // nothing above the break
  u32[G_FREE_HEAD] = 0;
  u32[G_FREE_PAGES] = 0;
  let repaired = 0;
  let largeLive = 0;
  let largeBytes = 0;
  let largeUsed = 0;
  const free: number[] = [];
  let i = first;
  while (i < topIndex) {
    const e = u32[mapW + i];
    const n = e & MAP_INDEX;
    const pw = (i * PAGE) >>> 2;
    let ok = (e & MAP_HEAD) !== 0 && (e & MAP_CONT) === 0 && n >= 1 && i + n <= topIndex &&
      u32[pw + P_MAGIC] === SPAN_MAGIC && u32[pw + P_NPAGES] === n;
    for (let k = 1; ok && k < n; k++) ok = u32[mapW + i + k] === ((MAP_CONT | i) >>> 0);
    if (ok && u32[pw + P_CLASS] === LARGE) {
      // a large span whose block was already tagged FREE was being released: finish that
      const payload = u32[pw + P_PAYLOAD];
      ok = u32[(payload - 8) >>> 2] === USED_TAG + LARGE;
      if (ok) { largeLive++; largeBytes += u32[(payload - 4) >>> 2]; largeUsed += n * PAGE; }
    }
    if (ok) { i += n; continue; }
    if (e !== 0) repaired++;
    u32[mapW + i] = 0;
    free.push(i);
    i++;
  }
  for (let k = free.length - 1; k >= 0; k--) linkFree(u32, free[k] * PAGE);
  // A thread stopped between growing the buffer and bumping the generation would leave
  // other threads' views short of pages raised later: make everybody re-read them.
  u32[Hdr.W_GENERATION] = (u32[Hdr.W_GENERATION] + 1) >>> 0;
  // the large-block counters are recomputed: the dead thread may have stopped between a span and its counters
  u32[G_LARGE_LIVE] = largeLive;
  h.f64[GF_LARGE_BYTES] = largeBytes;
  h.f64[GF_LARGE_USED] = largeUsed;
  return repaired;
}

/** Bytes of the longest run of free pages (a scan of the map). */
export function largestFreeRun(u32: Uint32Array): number {
  const mapW = u32[G_MAP_W];
  const first = u32[G_FIRST_PAGE] / PAGE;
  const topIndex = u32[Hdr.W_BRK] / PAGE;
  let best = 0;
  let run = 0;
  for (let i = first; i < topIndex; i++) {
    if (u32[mapW + i] === 0) { if (++run > best) best = run; } else run = 0;
  }
  return best * PAGE;
}

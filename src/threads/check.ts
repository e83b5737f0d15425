/**
 * check() and blocks() of a thread-shared heap: a walk of the page map, every
 * span, every block, the free-page list and every arena (invariants listed in
 * layout.ts). Meaningful on a quiescent heap: the caller holds the global lock,
 * which keeps the page map still, but threads allocating in their own arenas
 * at the same time would make the counts disagree.
 */
import { HeapCorruptionError } from '../base/errors.js';
import type { BlockInfo } from '../base/types.js';
import { Hdr } from '../os/header.js';
import type { ArenaPolicy } from './arena.js';
import {
  A_CUR, A_DELAYED, A_DRAIN, A_PAGES, A_QUEUE, A_STATE, AF_LIVE_BLOCKS, AF_LIVE_BYTES, AF_USED_BYTES, ARENA_FREE, BLOCK_HEADER, CLASS_COUNT, CLASS_SIZE, FLAG_IN_QUEUE, FREE_TAG, G_FIRST_PAGE, G_FREE_HEAD, G_FREE_PAGES, G_LARGE_LIVE, G_MAP_W, GF_LARGE_BYTES, GF_LARGE_USED, LARGE, MAP_CONT, MAP_HEAD, MAP_INDEX, NO_OWNER, P_BSIZE, P_BUMP, P_CLASS, P_END, P_FLAGS, P_FREE, P_MAGIC, P_NEXT, P_NPAGES, P_OWNER, P_PAYLOAD, P_PREV, P_USED, PAGE, PENDING_TAG, SPAN_HEADER, SPAN_MAGIC, USED_TAG, spanPages,
} from './layout.js';

interface ArenaTally { pages: number; liveBlocks: number; liveBytes: number; usedBytes: number; pending: number; queued: number }

function fail(block: number, invariant: string): never {
  throw new HeapCorruptionError(block, invariant);
}

export function checkSharedHeap(h: ArenaPolicy): void {
  const u32 = h.u32;
  const mapW = u32[G_MAP_W];
  const first = u32[G_FIRST_PAGE] / PAGE;
  const top = u32[Hdr.W_BRK];
  if (top % PAGE !== 0 || top < first * PAGE || top > h.viewBytes) fail(top, `the break ${top} is not a page boundary inside the memory`);
  const topIndex = top / PAGE;
  const tally: ArenaTally[] = [];
  for (let ai = 0; ai < h.maxArenas; ai++) tally.push({ pages: 0, liveBlocks: 0, liveBytes: 0, usedBytes: 0, pending: 0, queued: 0 });
  let freePages = 0;
  let largeLive = 0;
  let largeBytes = 0;
  let largeUsed = 0;

  let i = first;
  while (i < topIndex) {
    const e = u32[mapW + i];
    const pg = i * PAGE;
    if (e === 0) { freePages++; i++; continue; }
    if (e < MAP_HEAD || e >= MAP_CONT) fail(pg, `page map entry ${e >>> 0} of page ${i} is a continuation without its head`);
    const n = e & MAP_INDEX;
    if (n < 1 || i + n > topIndex) fail(pg, `span of ${n} pages runs past the break`);
    for (let k = 1; k < n; k++) if (u32[mapW + i + k] !== ((MAP_CONT | i) >>> 0)) fail(pg + k * PAGE, `page ${i + k} does not point back to its span head ${i}`);
    const pw = pg >>> 2;
    if (u32[pw + P_MAGIC] !== SPAN_MAGIC) fail(pg, 'span header magic missing');
    if (u32[pw + P_NPAGES] !== n) fail(pg, `span header says ${u32[pw + P_NPAGES]} pages, the map ${n}`);
    const cls = u32[pw + P_CLASS];
    if (cls === LARGE) {
      const payload = u32[pw + P_PAYLOAD];
      if (payload < pg + SPAN_HEADER + BLOCK_HEADER || payload % 8 !== 0 || payload >= pg + n * PAGE) fail(pg, 'large span payload outside its span');
      if (u32[pw + P_BSIZE] !== pg + n * PAGE - payload) fail(pg, 'large span usable size inconsistent');
      if (u32[pw + P_OWNER] !== NO_OWNER) fail(pg, 'large span has an owner arena');
      if (u32[(payload - 8) >>> 2] !== ((USED_TAG | LARGE) >>> 0)) fail(payload, 'large block tag is not USED (a freed large span must be unmapped)');
      const req = u32[(payload - 4) >>> 2];
      if (req > u32[pw + P_BSIZE]) fail(payload, 'large block requested size exceeds its span');
      largeLive++;
      largeBytes += req;
      largeUsed += n * PAGE;
    } else {
      checkSmallSpan(h, pg, cls, n, tally);
    }
    i += n;
  }

  // the free-page list holds exactly the free pages
  let listed = 0;
  let prev = 0;
  for (let p = u32[G_FREE_HEAD]; p !== 0; p = u32[(p >>> 2) + P_NEXT]) {
    if (p % PAGE !== 0 || p < first * PAGE || p >= top) fail(p, 'free-page list entry is not a page below the break');
    if (u32[mapW + p / PAGE] !== 0) fail(p, 'free-page list holds a page the map says is in use');
    if (u32[(p >>> 2) + P_PREV] !== prev) fail(p, 'free-page list back link broken');
    if (++listed > freePages) fail(p, 'free-page list is longer than the free pages (a cycle?)');
    prev = p;
  }
  if (listed !== freePages || u32[G_FREE_PAGES] !== freePages) {
    fail(u32[G_FREE_HEAD], `free pages: map ${freePages}, list ${listed}, counter ${u32[G_FREE_PAGES]}`);
  }
  if (u32[G_LARGE_LIVE] !== largeLive || h.f64[GF_LARGE_BYTES] !== largeBytes || h.f64[GF_LARGE_USED] !== largeUsed) {
    fail(0, `large-block counters (${u32[G_LARGE_LIVE]} blocks, ${h.f64[GF_LARGE_BYTES]} bytes) differ from the spans (${largeLive}, ${largeBytes})`);
  }

  for (let ai = 0; ai < h.maxArenas; ai++) checkArena(h, ai, tally[ai]);
}

function checkSmallSpan(h: ArenaPolicy, pg: number, cls: number, n: number, tally: ArenaTally[]): void {
  const u32 = h.u32;
  const pw = pg >>> 2;
  if (cls >= CLASS_COUNT) fail(pg, `span class ${cls} does not exist`);
  const bsize = CLASS_SIZE[cls];
  if (u32[pw + P_BSIZE] !== bsize) fail(pg, `block size ${u32[pw + P_BSIZE]} is not class ${cls}'s ${bsize}`);
  if (n !== spanPages(cls)) fail(pg, `class ${cls} spans have ${spanPages(cls)} pages, not ${n}`);
  const end = pg + n * PAGE;
  if (u32[pw + P_END] !== end) fail(pg, 'span end word inconsistent');
  const owner = u32[pw + P_OWNER];
  if (owner >= h.maxArenas) fail(pg, `span owner ${owner} is not an arena`);
  if (Atomics.load(h.i32, h.arenaW(owner) + A_STATE) === ARENA_FREE) fail(pg, `span belongs to arena ${owner}, which is free`);
  const start = pg + SPAN_HEADER;
  const bump = u32[pw + P_BUMP];
  if (bump < start || bump > end || (bump - start) % bsize !== 0) fail(pg, 'bump pointer not on a block boundary inside the span');
  let used = 0;
  let free = 0;
  let pending = 0;
  let liveBytes = 0;
  for (let b = start; b < bump; b += bsize) {
    const tag = u32[b >>> 2];
    if (tag === ((USED_TAG | cls) >>> 0)) {
      used++;
      const req = u32[(b + 4) >>> 2];
      if (req + BLOCK_HEADER > bsize) fail(b + BLOCK_HEADER, `requested ${req} bytes do not fit the ${bsize}-byte block`);
      liveBytes += req;
    } else if (tag === FREE_TAG) free++;
    else if (tag === PENDING_TAG) { pending++; liveBytes += u32[(b + 4) >>> 2]; }
    else fail(b + BLOCK_HEADER, `block tag ${tag.toString(16)} is not USED, FREE or PENDING`);
  }
  if (u32[pw + P_USED] !== used + pending) fail(pg, `span used count ${u32[pw + P_USED]}, blocks say ${used + pending}`);
  let listed = 0;
  for (let b = u32[pw + P_FREE]; b !== 0; b = u32[(b + 8) >>> 2]) {
    if (b < start || b >= bump || (b - start) % bsize !== 0) fail(b + BLOCK_HEADER, 'free list entry is not a block of its span');
    if (u32[b >>> 2] !== FREE_TAG) fail(b + BLOCK_HEADER, 'free list holds a block not tagged FREE');
    if (++listed > free) fail(b + BLOCK_HEADER, 'free list longer than the free blocks (a cycle?)');
  }
  if (listed !== free) fail(pg, `${free} FREE blocks but ${listed} on the free list`);
  const available = free > 0 || bump + bsize <= end;
  const queued = (u32[pw + P_FLAGS] & FLAG_IN_QUEUE) !== 0;
  if (queued !== available) fail(pg, queued ? 'an exhausted span is in its arena queue' : 'a span with free blocks is not in its arena queue');
  const t = tally[owner];
  t.pages++;
  t.liveBlocks += used + pending;
  t.liveBytes += liveBytes;
  t.usedBytes += (used + pending) * bsize;
  t.pending += pending;
  if (queued) t.queued++;
}

function checkArena(h: ArenaPolicy, ai: number, t: ArenaTally): void {
  const u32 = h.u32;
  const aw = h.arenaW(ai);
  const af = h.arenaF(ai);
  const state = Atomics.load(h.i32, aw + A_STATE);
  if (state === ARENA_FREE && t.pages === 0) return;
  if (u32[aw + A_PAGES] !== t.pages) fail(ai, `arena ${ai} counts ${u32[aw + A_PAGES]} spans, holds ${t.pages}`);
  let queued = 0;
  for (let cls = 0; cls < CLASS_COUNT; cls++) {
    let prev = 0;
    for (let pg = u32[aw + A_QUEUE + cls]; pg !== 0; pg = u32[(pg >>> 2) + P_NEXT]) {
      const pw = pg >>> 2;
      if (pg % PAGE !== 0 || u32[pw + P_MAGIC] !== SPAN_MAGIC) fail(pg, `arena ${ai} queue ${cls} holds something that is not a span`);
      if (u32[pw + P_OWNER] !== ai || u32[pw + P_CLASS] !== cls) fail(pg, `arena ${ai} queue ${cls} holds a span of arena ${u32[pw + P_OWNER]} class ${u32[pw + P_CLASS]}`);
      if (u32[pw + P_PREV] !== prev) fail(pg, `arena ${ai} queue ${cls} back link broken`);
      if (++queued > t.queued) fail(pg, `arena ${ai} queues hold more spans than are flagged (a cycle?)`);
      prev = pg;
    }
  }
  if (queued !== t.queued) fail(ai, `arena ${ai}: ${t.queued} spans flagged queued, ${queued} in the queues`);
  const f = h.f64;
  if (f[af + AF_LIVE_BLOCKS] !== t.liveBlocks || f[af + AF_LIVE_BYTES] !== t.liveBytes || f[af + AF_USED_BYTES] !== t.usedBytes) {
    fail(ai, `arena ${ai} statistics (${f[af + AF_LIVE_BLOCKS]} blocks, ${f[af + AF_LIVE_BYTES]} bytes) differ from its spans (${t.liveBlocks}, ${t.liveBytes})`);
  }
  if (u32[aw + A_CUR] !== 0) fail(ai, `arena ${ai} is in the middle of collecting a block (not quiescent, or its thread died: reclaimThread)`);
  let pending = 0;
  for (const head of [u32[aw + A_DRAIN], Atomics.load(h.i32, aw + A_DELAYED) >>> 0]) {
    for (let b = head; b !== 0; b = u32[(b + 8) >>> 2]) {
      if (u32[b >>> 2] !== PENDING_TAG) fail(b + BLOCK_HEADER, `arena ${ai} delayed-free list holds a block not tagged PENDING`);
      const pg = h.spanOf(b);
      if (u32[(pg >>> 2) + P_OWNER] !== ai) fail(b + BLOCK_HEADER, `arena ${ai} delayed-free list holds a block of another arena`);
      if (++pending > t.pending) fail(b + BLOCK_HEADER, `arena ${ai} delayed-free list longer than its PENDING blocks (a cycle?)`);
    }
  }
  if (pending !== t.pending) fail(ai, `arena ${ai}: ${t.pending} PENDING blocks, ${pending} on its delayed lists`);
}

/** Every block and free page run in address order (quiescent heap). */
export function listBlocks(h: ArenaPolicy): BlockInfo[] {
  const u32 = h.u32;
  const mapW = u32[G_MAP_W];
  const topIndex = u32[Hdr.W_BRK] / PAGE;
  const out: BlockInfo[] = [];
  let i = u32[G_FIRST_PAGE] / PAGE;
  while (i < topIndex) {
    const e = u32[mapW + i];
    const pg = i * PAGE;
    if (e === 0) {
      let j = i + 1;
      while (j < topIndex && u32[mapW + j] === 0) j++;
      out.push({ ptr: pg, offset: pg, size: (j - i) * PAGE, state: 'free', requested: 0 });
      i = j;
      continue;
    }
    const n = e & MAP_INDEX;
    const pw = pg >>> 2;
    if (u32[pw + P_CLASS] === LARGE) {
      const payload = u32[pw + P_PAYLOAD];
      out.push({ ptr: payload, offset: pg, size: n * PAGE, state: 'mapped', requested: u32[(payload - 4) >>> 2] });
    } else {
      const bsize = u32[pw + P_BSIZE];
      const bump = u32[pw + P_BUMP];
      for (let b = pg + SPAN_HEADER; b < bump; b += bsize) {
        const freeBlock = u32[b >>> 2] === FREE_TAG;
        out.push({ ptr: b + BLOCK_HEADER, offset: b, size: bsize, state: freeBlock ? 'free' : 'used', requested: freeBlock ? 0 : u32[(b + 4) >>> 2] });
      }
    }
    i += Math.max(1, n);
  }
  return out;
}

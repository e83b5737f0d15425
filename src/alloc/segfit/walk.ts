/**
 * Whole-heap walks of the default allocator: check() (every invariant listed
 * in layout.ts) and blocks() (the raw material of heap maps). Both are O(heap)
 * and allocate freely; they are never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { forEachList, listBitSet, Meta } from './bins.js';
import { isRegionTail, sizeOf, Chunk } from './layout.js';

export interface WalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
}

export function walkBlocks(t: WalkTarget): BlockInfo[] {
  const { u32 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const sentinel = u32[t.hw + Hdr.W_BRK] - 8;
  const out: BlockInfo[] = [];
  for (let c = start; c < sentinel;) {
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    if (size < Chunk.MIN_CHUNK) break; // corrupt: check() reports it
    const tail = (h & Chunk.USED) !== 0 && isRegionTail(u32[(c + 4) >>> 2]); // free memory set aside
    const used = (h & Chunk.USED) !== 0 && !tail;
    out.push({
      ptr: c + Chunk.HEADER,
      offset: c,
      size,
      state: tail ? 'reserved' : used ? ((h & Chunk.MAPPED) !== 0 ? 'mapped' : 'used') : c + size === sentinel ? 'top' : 'free',
      requested: used ? u32[(c + 4) >>> 2] : 0,
    });
    c += size;
  }
  out.push({ ptr: sentinel, offset: sentinel, size: 8, state: 'metadata', requested: 0 }); // the sentinel
  return out;
}

export function checkHeap(t: WalkTarget): void {
  const { u32, f64 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const brk = u32[t.hw + Hdr.W_BRK];
  const sentinel = brk - 8;
  const page = u32[t.hw + Hdr.W_PAGE_SIZE];
  const fail = (c: number, why: string): never => { throw new HeapCorruptionError(c, why); };
  if (brk > u32.length * 4) fail(brk, `the break ${brk} lies beyond the memory (${u32.length * 4} bytes)`);

  // 1. the bins: every listed chunk free, of the list's size range, linked both ways
  const binned = new Set<number>();
  forEachList(t.pm, (headIndex, min, max) => {
    let prev = 0;
    let count = 0;
    for (let c = u32[headIndex]; c !== 0; c = u32[(c + 4) >>> 2]) {
      if (c < start || c >= sentinel || c % 8 !== 0) fail(c, `bin list for sizes ${min}..${max} points outside the heap`);
      if (binned.has(c)) fail(c, `chunk is linked twice in the bins (a cycle or a duplicate)`);
      binned.add(c);
      const h = u32[c >>> 2];
      const size = sizeOf(h);
      if ((h & Chunk.USED) !== 0) fail(c, `used chunk found in the bin for sizes ${min}..${max}`);
      if (size < min || size > max) fail(c, `free chunk of ${size} bytes is in the bin for sizes ${min}..${max}`);
      if (u32[(c + 8) >>> 2] !== prev) fail(c, `broken back link in the bin for sizes ${min}..${max}`);
      prev = c;
      count++;
    }
    if ((count !== 0) !== listBitSet(u32, t.pm, min)) fail(u32[headIndex], `bitmap bit for the bin of sizes ${min}..${max} says ${count === 0 ? 'non-empty' : 'empty'}`);
  });
  const regionTails = new Map<number, number>();
  for (let g = 0; g < Chunk.GROUPS; g++) {
    const r = u32[t.pm + Meta.P_REGION_SLOTS + g];
    if (r !== 0) regionTails.set(r, g);
  }

  // 2. the walk: exact cover, flags, boundary tags, coalescing, counters
  let prevUsed = true;
  let liveBlocks = 0;
  let liveBytes = 0;
  let seenRegions = 0;
  let usedBytes = 0;
  let freeBlocks = 0;
  let mappedRuns = 0;
  let mappedBytes = 0;
  let c = start;
  while (c < sentinel) {
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    if (size < Chunk.MIN_CHUNK || size % 8 !== 0) fail(c, `chunk size ${size} is not a multiple of 8 of at least ${Chunk.MIN_CHUNK}`);
    if (c + size > sentinel) fail(c, `chunk of ${size} bytes runs past the sentinel at ${sentinel}`);
    if (((h & Chunk.PREV_USED) !== 0) !== prevUsed) fail(c, `PREV_USED bit says the previous chunk is ${prevUsed ? 'free' : 'used'}, it is ${prevUsed ? 'used' : 'free'}`);
    if ((h & Chunk.USED) !== 0 && isRegionTail(u32[(c + 4) >>> 2])) {
      const info = u32[(c + 4) >>> 2];
      const g = regionTails.get(c);
      if (g === undefined) fail(c, `chunk is marked as a region tail but no group's slot points to it`);
      if ((info & 0xff) !== g) fail(c, `region tail names group ${info & 0xff}, the slot is group ${g}`);
      if ((h & Chunk.MAPPED) !== 0) fail(c, `region tail is marked as a mapped run`);
      seenRegions++;
      freeBlocks++;
      prevUsed = true;
    } else if ((h & Chunk.USED) !== 0) {
      const req = u32[(c + 4) >>> 2];
      const slack = size - Chunk.HEADER - req;
      const maxSlack = (h & Chunk.MAPPED) !== 0 ? Chunk.MAX_SLACK + 2 * page : Chunk.MAX_SLACK;
      if (slack < 0 || slack > maxSlack) fail(c, `requested size ${req} does not fit a used chunk of ${size} bytes`);
      if ((h & Chunk.MAPPED) !== 0) {
        if ((c + Chunk.HEADER) % page !== 0) fail(c, `mapped run's payload ${c + Chunk.HEADER} is not page-aligned (page ${page})`);
        mappedRuns++;
        mappedBytes += size;
      }
      liveBlocks++;
      usedBytes += size;
      liveBytes += req;
      prevUsed = true;
    } else {
      if ((h & Chunk.MAPPED) !== 0) fail(c, `free chunk has the MAPPED bit set`);
      if (!prevUsed) fail(c, `two free chunks are adjacent (not coalesced)`);
      if (u32[(c + size - 4) >>> 2] !== size) fail(c, `footer ${u32[(c + size - 4) >>> 2]} differs from the size ${size}`);
      if (!binned.delete(c)) fail(c, `free chunk of ${size} bytes is in no bin`);
      freeBlocks++;
      prevUsed = false;
    }
    c += size;
  }
  if (c !== sentinel) fail(c, `blocks end at ${c}, not at the sentinel ${sentinel}`);
  const sh = u32[sentinel >>> 2];
  if ((sh & Chunk.USED) === 0 || (sh & Chunk.MAPPED) !== 0 || sizeOf(sh) !== 0) fail(sentinel, `the sentinel before the break is damaged`);
  if (((sh & Chunk.PREV_USED) !== 0) !== prevUsed) fail(sentinel, `the sentinel's PREV_USED bit is wrong`);
  if (binned.size !== 0) fail([...binned][0], `chunk in a bin is not a free block of the heap`);
  if (seenRegions !== regionTails.size) fail([...regionTails.keys()][0], `a region slot points to something that is not a free region tail`);
  const hf = t.hf;
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(start, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[hf + Hdr.F_ALLOCS] - f64[hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
  expect(u32[t.hw + Hdr.W_FREE_BLOCKS], freeBlocks, 'freeBlocks');
  expect(f64[hf + Hdr.F_MAPPED_BYTES], mappedBytes, 'mappedBytes');
  if (f64[hf + Hdr.F_RUNS_MAPPED] - f64[hf + Hdr.F_RUNS_UNMAPPED] !== mappedRuns) {
    fail(start, `counters say ${f64[hf + Hdr.F_RUNS_MAPPED] - f64[hf + Hdr.F_RUNS_UNMAPPED]} mapped runs are live, the heap holds ${mappedRuns}`);
  }
}

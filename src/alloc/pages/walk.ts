/**
 * Whole-heap walks of the pages allocator: blocks() (the heap map), check() (every invariant
 * listed in layout.ts) and usage() (free bytes and blocks from the page headers and the free
 * map, without visiting blocks). Never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import type { PolicyUsage } from '../policy.js';
import { blockAlign, CLASS_COUNT, CLASS_SIZE, divisorOf, pageCapacity, Pg } from './layout.js';
import { bitAt, forEachRun } from './slots.js';
import { listLoops, walkBudget } from '../integrity.js';

export interface PagesTarget {
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
  readonly heapStart: number;
  readonly slot0: number;
  readonly hm: number;
  readonly fm: number;
  slotsBelowBreak(): number;
}

function reqIndex(pg: number): number {
  return (pg + Pg.HEADER) >>> 1;
}

export function walkPages(t: PagesTarget): BlockInfo[] {
  const { u16, u32 } = t;
  const brk = u32[t.hw + Hdr.W_BRK];
  const below = t.slotsBelowBreak();
  const out: BlockInfo[] = [];
  const meta = (offset: number, size: number): void => {
    if (size > 0) out.push({ ptr: offset, offset, size, state: 'metadata', requested: 0 });
  };
  meta(t.heapStart, t.slot0 - t.heapStart); // the slot maps
  for (let i = 0; i < below;) {
    const s = t.slot0 + i * Pg.SLOT;
    if (bitAt(u32, t.fm, i)) {
      let j = i;
      while (j < below && bitAt(u32, t.fm, j)) j++;
      const end = t.slot0 + j * Pg.SLOT;
      out.push({ ptr: s, offset: s, size: end - s, state: end >= brk ? 'top' : 'free', requested: 0 });
      i = j;
      continue;
    }
    const pw = s >>> 2;
    const k = Math.max(1, u32[pw + Pg.PH_NSLOTS]);
    const spanEnd = s + u32[pw + Pg.PH_SPAN_BYTES];
    if (u32[pw] === Pg.SMALL_MAGIC) {
      const bsize = u32[pw + Pg.PH_BSIZE];
      const first = s + u32[pw + Pg.PH_FIRST];
      const bump = u32[pw + Pg.PH_BUMP];
      const cap = u32[pw + Pg.PH_CAP];
      meta(s, first - s);
      const ri = reqIndex(s);
      for (let b = 0; b < bump; b++) {
        const r = u16[ri + b];
        const at = first + b * bsize;
        out.push({ ptr: at, offset: at, size: bsize, state: r !== 0 ? 'used' : 'free', requested: r !== 0 ? r - 1 : 0 });
      }
      if (cap > bump) out.push({ ptr: first + bump * bsize, offset: first + bump * bsize, size: (cap - bump) * bsize, state: 'reserved', requested: 0 });
      meta(first + cap * bsize, Math.min(s + k * Pg.SLOT, brk) - (first + cap * bsize));
    } else {
      const p = s + u32[pw + Pg.PH_FIRST];
      const mapped = (u32[pw + Pg.PH_CLASS] & Pg.LARGE_MAPPED) !== 0;
      out.push({ ptr: p, offset: s, size: spanEnd - s, state: mapped ? 'mapped' : 'used', requested: u32[pw + Pg.PH_BSIZE] });
      meta(spanEnd, Math.min(s + k * Pg.SLOT, brk) - spanEnd); // the gap above a span cut short at maxSize
    }
    i += k;
  }
  return out;
}

/** The reserved capacity and the free slots: counts and largest, cached by usage() per epoch word. */
export interface Spare {
  epoch: number; reservedEpoch: number; generation: number;
  reservedBlocks: number; reservedMax: number; runs: number; runMax: number;
}

/** The pages with reserved capacity (all in the class lists): O(listed pages). */
export function reservedOf(t: PagesTarget, out: Spare): void {
  const u32 = t.u32;
  out.reservedBlocks = 0;
  out.reservedMax = 0;
  const budget = walkBudget(t.slot0, u32[t.hw + Hdr.W_BRK], Pg.SLOT);
  for (let c = 0; c < CLASS_COUNT; c++) {
    let steps = 0;
    for (let pg = u32[t.pm + c]; pg !== 0; pg = u32[(pg >>> 2) + Pg.PH_NEXT]) {
      // a damaged link can make the list loop: no list holds more pages than there are slots
      if (++steps > budget) throw listLoops(`the page list of class ${c}`, pg);
      const pw = pg >>> 2;
      const reserved = (u32[pw + Pg.PH_CAP] - u32[pw + Pg.PH_BUMP]) * u32[pw + Pg.PH_BSIZE];
      if (reserved > 0) {
        out.reservedBlocks++;
        out.reservedMax = Math.max(out.reservedMax, reserved);
      }
    }
  }
}

/** The runs of free slots: O(slot map words). */
export function freeRunsOf(t: PagesTarget, out: Spare): void {
  out.runs = 0;
  out.runMax = 0;
  forEachRun(t.u32, t.fm, t.slotsBelowBreak(), (_start, length) => {
    out.runs++;
    out.runMax = Math.max(out.runMax, length * Pg.SLOT);
  });
}

/**
 * O(classes): free bytes from the break and the used and metadata counters, free blocks from
 * the per-class free counts and the cached reserved capacity and free slots (spareOf).
 */
export function pagesUsage(t: PagesTarget, spare: Spare): PolicyUsage {
  const u32 = t.u32;
  let freeBlocks = spare.reservedBlocks + spare.runs;
  let largest = Math.max(spare.reservedMax, spare.runMax);
  for (let c = 0; c < CLASS_COUNT; c++) {
    const n = u32[t.pm + Pg.P_CLASS_FREE + c];
    freeBlocks += n;
    if (n !== 0 && CLASS_SIZE[c] > largest) largest = CLASS_SIZE[c];
  }
  const usedBytes = u32[t.hw + Hdr.W_USED_BYTES];
  const freeBytes = u32[t.hw + Hdr.W_BRK] - t.heapStart - usedBytes - u32[t.pm + Pg.P_META];
  return { usedBytes, freeBytes, freeBlocks, largestFreeBlock: largest };
}

export function checkPages(t: PagesTarget): void {
  const { u32, f64 } = t;
  const fail = (at: number, why: string): never => { throw new HeapCorruptionError(at, why); };
  const brk = u32[t.hw + Hdr.W_BRK];
  if (brk > u32.length * 4) fail(brk, `the break ${brk} lies beyond the memory (${u32.length * 4} bytes)`);
  if (brk < t.slot0) fail(brk, `the break ${brk} lies below slot 0 (${t.slot0})`);
  const below = t.slotsBelowBreak();
  const mapWords = u32[t.pm + Pg.P_MAP_WORDS];
  if (t.slot0 !== t.heapStart + mapWords * 8 || u32[t.pm + Pg.P_SLOT0] !== t.slot0) fail(t.heapStart, `slot 0 at ${u32[t.pm + Pg.P_SLOT0]} does not follow the slot maps (${mapWords} words each from ${t.heapStart})`);
  for (let i = below; i < mapWords * 32; i++) {
    if (bitAt(u32, t.hm, i) || bitAt(u32, t.fm, i)) fail(t.slot0 + i * Pg.SLOT, `slot ${i} above the break has a map bit set`);
  }

  // 1. the class lists: every listed page is a small page of that class, linked both ways
  const listed = new Set<number>();
  for (let c = 0; c < CLASS_COUNT; c++) {
    let prev = 0;
    for (let pg = u32[t.pm + c]; pg !== 0; pg = u32[(pg >>> 2) + Pg.PH_NEXT]) {
      if (pg < t.slot0 || pg >= brk || (pg - t.slot0) % Pg.SLOT !== 0) fail(pg, `the list of class ${c} points outside the slots`);
      if (listed.has(pg)) fail(pg, `page is linked twice in the class lists (a cycle or a duplicate)`);
      listed.add(pg);
      const pw = pg >>> 2;
      if (u32[pw] !== Pg.SMALL_MAGIC || u32[pw + Pg.PH_CLASS] !== c) fail(pg, `the list of class ${c} holds something that is not a page of that class`);
      if (u32[pw + Pg.PH_PREV] !== prev) fail(pg, `broken back link in the list of class ${c}`);
      if ((u32[pw + Pg.PH_FLAGS] & Pg.IN_LIST) === 0) fail(pg, `page in the list of class ${c} is not flagged IN_LIST`);
      prev = pg;
    }
  }

  // 2. the slots: exact cover by free slots and spans; each span's own invariants
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  let metaBytes = t.slot0 - t.heapStart;
  const classFree = new Array<number>(CLASS_COUNT).fill(0);
  let mappedRuns = 0;
  let mappedBytes = 0;
  for (let i = 0; i < below;) {
    const s = t.slot0 + i * Pg.SLOT;
    const head = bitAt(u32, t.hm, i);
    if (bitAt(u32, t.fm, i)) {
      if (head) fail(s, `slot ${i} is both free and the head of a span`);
      if (s + Pg.SLOT > brk) fail(s, `free slot ${i} is cut by the break at ${brk}`);
      i++;
      continue;
    }
    if (!head) fail(s, `slot ${i} is neither free nor covered by a span`);
    const pw = s >>> 2;
    const k = u32[pw + Pg.PH_NSLOTS];
    const bytes = u32[pw + Pg.PH_SPAN_BYTES];
    if (k < 1 || i + k > below) fail(s, `span of ${k} slots runs past the break`);
    // only the last span may be cut short (at maxSize), and then it ends at the break
    if (bytes > k * Pg.SLOT || bytes <= (k - 1) * Pg.SLOT || s + bytes > brk || (bytes !== k * Pg.SLOT && s + bytes !== brk)) {
      fail(s, `span of ${k} slots has ${bytes} committed bytes`);
    }
    for (let j = i + 1; j < i + k; j++) {
      if (bitAt(u32, t.hm, j) || bitAt(u32, t.fm, j)) fail(t.slot0 + j * Pg.SLOT, `slot ${j} inside the span at ${s} has a map bit set`);
    }
    if (u32[pw] === Pg.SMALL_MAGIC) {
      if (k !== 1) fail(s, `a page of blocks spans ${k} slots`);
      const r = checkPage(t, s, listed, fail);
      liveBlocks += r.used;
      liveBytes += r.bytes;
      usedBytes += r.used * u32[pw + Pg.PH_BSIZE];
      metaBytes += bytes - u32[pw + Pg.PH_CAP] * u32[pw + Pg.PH_BSIZE];
      classFree[u32[pw + Pg.PH_CLASS]] += u32[pw + Pg.PH_BUMP] - r.used;
    } else if (u32[pw] === Pg.LARGE_MAGIC) {
      const first = u32[pw + Pg.PH_FIRST];
      const req = u32[pw + Pg.PH_BSIZE];
      const align = u32[pw + Pg.PH_CAP];
      if (align < 8 || (align & (align - 1)) !== 0) fail(s, `large span's alignment ${align} is not a power of two of at least 8`);
      if (first !== alignUp(s + Pg.HEADER, align) - s) fail(s, `large block at offset ${first} is not the first ${align}-aligned place after the span header`);
      if (first < Pg.HEADER || first % 8 !== 0 || first + req > bytes) fail(s, `large block at offset ${first} of ${req} bytes does not fit its span of ${bytes} bytes`);
      if ((u32[pw + Pg.PH_CLASS] & ~Pg.LARGE_MAPPED) !== 0) fail(s, `large span has unknown flags ${u32[pw + Pg.PH_CLASS]}`);
      if ((u32[pw + Pg.PH_CLASS] & Pg.LARGE_MAPPED) !== 0) {
        if ((s + first) % u32[t.hw + Hdr.W_PAGE_SIZE] !== 0) fail(s, `mapped block ${s + first} is not page-aligned`);
        mappedRuns++;
        mappedBytes += bytes;
      }
      for (const w of [Pg.PH_BUMP, Pg.PH_FREE, Pg.PH_USED, Pg.PH_NEXT, Pg.PH_PREV, Pg.PH_DIV, Pg.PH_FLAGS]) {
        if (u32[pw + w] !== 0) fail(s, `large span header word ${w} is ${u32[pw + w]}, not 0`);
      }
      liveBlocks++;
      liveBytes += req;
      usedBytes += bytes;
    } else {
      fail(s, `span head has no page header (magic ${u32[pw].toString(16)})`);
    }
    i += k;
  }
  if (listed.size !== 0) fail([...listed][0], `a class list holds a page that is not in the slots`);
  const hf = t.hf;
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(t.heapStart, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[hf + Hdr.F_ALLOCS] - f64[hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
  expect(f64[hf + Hdr.F_MAPPED_BYTES], mappedBytes, 'mappedBytes');
  expect(u32[t.pm + Pg.P_META], metaBytes, 'metadata bytes (policy word)');
  for (let c = 0; c < CLASS_COUNT; c++) expect(u32[t.pm + Pg.P_CLASS_FREE + c], classFree[c], `free blocks of class ${c} (policy word)`);
  expect(f64[hf + Hdr.F_RUNS_MAPPED] - f64[hf + Hdr.F_RUNS_UNMAPPED], mappedRuns, 'mapped runs');
}

/** One page's invariants; removes it from `listed` if it is there. Returns its used blocks and their requested bytes. */
function checkPage(t: PagesTarget, s: number, listed: Set<number>, fail: (at: number, why: string) => never): { used: number; bytes: number } {
  const { u16, u32 } = t;
  const pw = s >>> 2;
  const c = u32[pw + Pg.PH_CLASS];
  if (c >= CLASS_COUNT) fail(s, `page of class ${c}, which does not exist`);
  const bsize = CLASS_SIZE[c];
  const full = pageCapacity(bsize);
  const first = u32[pw + Pg.PH_FIRST];
  const cap = u32[pw + Pg.PH_CAP];
  const bump = u32[pw + Pg.PH_BUMP];
  const bytes = u32[pw + Pg.PH_SPAN_BYTES];
  if (u32[pw + Pg.PH_BSIZE] !== bsize) fail(s, `page of class ${c} says its blocks are ${u32[pw + Pg.PH_BSIZE]} bytes, the class is ${bsize}`);
  if (u32[pw + Pg.PH_DIV] !== divisorOf(bsize)) fail(s, `page's block divisor ${u32[pw + Pg.PH_DIV]} is not that of ${bsize}-byte blocks`);
  if (first < Pg.HEADER + 2 * full || (s + first) % blockAlign(bsize) !== 0 || first >= Pg.HEADER + 2 * full + blockAlign(bsize)) {
    fail(s, `page's first block at offset ${first} is not where ${bsize}-byte blocks start`);
  }
  if (cap !== Math.min(full, Math.floor((bytes - first) / bsize)) || cap < 1) fail(s, `page's capacity ${cap} does not fit ${bsize}-byte blocks in ${bytes} bytes`);
  if (bump > cap) fail(s, `page's bump index ${bump} is past its capacity ${cap}`);
  if ((u32[pw + Pg.PH_FLAGS] & ~Pg.IN_LIST) !== 0) fail(s, `page has unknown flags ${u32[pw + Pg.PH_FLAGS]}`);
  const inList = listed.delete(s);
  if (inList !== ((u32[pw + Pg.PH_FLAGS] & Pg.IN_LIST) !== 0)) fail(s, `page's IN_LIST flag says ${!inList}, it is ${inList ? '' : 'not '}in its class list`);
  const ri = reqIndex(s);
  let used = 0;
  let reqBytes = 0;
  for (let b = 0; b < cap; b++) {
    const r = u16[ri + b];
    if (r === 0) continue;
    if (b >= bump) fail(s + first + b * bsize, `block beyond the page's bump index has a requested size`);
    if (r - 1 > bsize) fail(s + first + b * bsize, `requested size ${r - 1} does not fit a ${bsize}-byte block`);
    used++;
    reqBytes += r - 1;
  }
  if (u32[pw + Pg.PH_USED] !== used) fail(s, `page's used count ${u32[pw + Pg.PH_USED]} differs from its ${used} used blocks`);
  const seen = new Set<number>();
  for (let f = u32[pw + Pg.PH_FREE]; f !== 0; f = u32[(s + first + (f - 1) * bsize) >>> 2]) {
    const b = f - 1;
    if (b >= bump) fail(s, `page's free list points to block ${b}, past the bump index ${bump}`);
    if (seen.has(b)) fail(s + first + b * bsize, `page's free list visits a block twice (a cycle)`);
    if (u16[ri + b] !== 0) fail(s + first + b * bsize, `used block on the page's free list`);
    seen.add(b);
  }
  if (seen.size !== bump - used) fail(s, `page's free list holds ${seen.size} blocks, ${bump - used} are free`);
  if (!inList && (seen.size !== 0 || bump < cap)) fail(s, `page with free blocks is not in its class list`);
  if (!inList && (u32[pw + Pg.PH_NEXT] !== 0 || u32[pw + Pg.PH_PREV] !== 0)) fail(s, `page out of its class list has list links`);
  return { used, bytes: reqBytes };
}

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

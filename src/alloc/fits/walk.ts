/**
 * Whole-heap walks of the fits: check() (every invariant listed in layout.ts) and blocks().
 * O(heap), allocating freely; never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { sizeOf, Fit } from './layout.js';

export interface FitWalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
}

export function walkFits(t: FitWalkTarget): BlockInfo[] {
  const { u32 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const sentinel = u32[t.hw + Hdr.W_BRK] - 8;
  const out: BlockInfo[] = [];
  for (let c = start; c < sentinel;) {
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    if (size < Fit.MIN_CHUNK) break; // corrupt: check() reports it
    const used = (h & Fit.USED) !== 0;
    out.push({
      ptr: c + Fit.HEADER,
      offset: c,
      size,
      state: used ? 'used' : c + size === sentinel ? 'top' : 'free',
      requested: used ? u32[(c + 4) >>> 2] : 0,
    });
    c += size;
  }
  out.push({ ptr: sentinel, offset: sentinel, size: 8, state: 'metadata', requested: 0 });
  return out;
}

export function checkFits(t: FitWalkTarget): void {
  const { u32, f64 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const brk = u32[t.hw + Hdr.W_BRK];
  const sentinel = brk - 8;
  const fail = (c: number, why: string): never => { throw new HeapCorruptionError(c, why); };
  if (brk > u32.length * 4 || brk < start + 8) fail(brk, `the break ${brk} lies outside [${start + 8}, ${u32.length * 4}]`);

  // 1. the free list: inside the heap, free, linked both ways, no cycle
  const listed = new Set<number>();
  let prev = 0;
  for (let c = u32[t.pm + Fit.P_HEAD]; c !== 0; c = u32[(c + 4) >>> 2]) {
    if (c < start || c >= sentinel || c % 8 !== 0) fail(c, `the free list points outside the heap's blocks`);
    if (listed.has(c)) fail(c, `chunk is on the free list twice (a cycle)`);
    listed.add(c);
    if ((u32[c >>> 2] & Fit.USED) !== 0) fail(c, `used chunk found on the free list`);
    if (u32[(c + 8) >>> 2] !== prev) fail(c, `broken back link on the free list`);
    prev = c;
  }
  const rover = u32[t.pm + Fit.P_ROVER];
  if (rover !== 0 && !listed.has(rover)) fail(rover, `the rover points to a chunk that is not on the free list`);

  // 2. the walk: exact cover, flags, boundary tags, coalescing, counters
  let prevUsed = true;
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  let freeBlocks = 0;
  let c = start;
  while (c < sentinel) {
    const h = u32[c >>> 2];
    const size = sizeOf(h);
    if (size < Fit.MIN_CHUNK || size % 8 !== 0 || (h & 4) !== 0) fail(c, `chunk header ${h >>> 0} is not a size (multiple of 8, at least ${Fit.MIN_CHUNK}) with the U and P flags`);
    if (c + size > sentinel) fail(c, `chunk of ${size} bytes runs past the sentinel at ${sentinel}`);
    if (((h & Fit.PREV_USED) !== 0) !== prevUsed) fail(c, `P bit says the previous chunk is ${prevUsed ? 'free' : 'used'}, it is ${prevUsed ? 'used' : 'free'}`);
    if ((h & Fit.USED) !== 0) {
      const req = u32[(c + 4) >>> 2];
      const slack = size - Fit.HEADER - req;
      if (slack < 0 || slack > Fit.MAX_SLACK) fail(c, `requested size ${req} does not fit a used chunk of ${size} bytes`);
      liveBlocks++;
      usedBytes += size;
      liveBytes += req;
      prevUsed = true;
    } else {
      if (!prevUsed) fail(c, `two free chunks are adjacent (not coalesced)`);
      if (u32[(c + size - 4) >>> 2] !== size) fail(c, `footer ${u32[(c + size - 4) >>> 2]} differs from the size ${size}`);
      if (!listed.delete(c)) fail(c, `free chunk of ${size} bytes is not on the free list`);
      freeBlocks++;
      prevUsed = false;
    }
    c += size;
  }
  if (c !== sentinel) fail(c, `blocks end at ${c}, not at the sentinel ${sentinel}`);
  const sh = u32[sentinel >>> 2];
  if ((sh & Fit.USED) === 0 || sizeOf(sh) !== 0 || (sh & 4) !== 0) fail(sentinel, `the sentinel before the break is damaged`);
  if (((sh & Fit.PREV_USED) !== 0) !== prevUsed) fail(sentinel, `the sentinel's P bit is wrong`);
  if (listed.size !== 0) fail([...listed][0], `chunk on the free list is not a free block of the heap`);
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(start, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[t.hf + Hdr.F_ALLOCS] - f64[t.hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
  expect(u32[t.hw + Hdr.W_FREE_BLOCKS], freeBlocks, 'freeBlocks');
}

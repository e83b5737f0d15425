/**
 * Whole-heap walks of tlsf: check() (every invariant listed in layout.ts) and
 * blocks() (the raw material of heap maps). Both are O(heap) and allocate
 * freely; they are never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { Blk, Meta, Tl, listMinSize, listOf, sizeOf } from './layout.js';

export interface WalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
}

export function walkTlsf(t: WalkTarget): BlockInfo[] {
  const { u32 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const sentinel = u32[t.hw + Hdr.W_BRK] - 8;
  const out: BlockInfo[] = [];
  for (let b = start; b < sentinel;) {
    const h = u32[b >>> 2];
    const size = sizeOf(h);
    if (size < Blk.MIN_BLOCK) break; // corrupt: check() reports it
    const used = (h & Blk.USED) !== 0;
    out.push({
      ptr: b + Blk.HEADER,
      offset: b,
      size,
      state: used ? 'used' : b + size === sentinel ? 'top' : 'free',
      requested: used ? u32[(b + 4) >>> 2] : 0,
    });
    b += size;
  }
  out.push({ ptr: sentinel, offset: sentinel, size: 8, state: 'metadata', requested: 0 }); // the sentinel
  return out;
}

export function checkTlsf(t: WalkTarget): void {
  const { u32, f64 } = t;
  const start = u32[t.hw + Hdr.W_HEAP_START];
  const brk = u32[t.hw + Hdr.W_BRK];
  const sentinel = brk - 8;
  const fail = (b: number, why: string): never => { throw new HeapCorruptionError(b, why); };
  if (brk > u32.length * 4) fail(brk, `the break ${brk} lies beyond the memory (${u32.length * 4} bytes)`);
  const listed = checkLists(t, start, sentinel, fail);

  let prevUsed = true;
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  let freeBlocks = 0;
  let b = start;
  while (b < sentinel) {
    const h = u32[b >>> 2];
    const size = sizeOf(h);
    if (size < Blk.MIN_BLOCK || (h & 4) !== 0) fail(b, `block header ${h >>> 0} is not a size of at least ${Blk.MIN_BLOCK} with flags`);
    if (b + size > sentinel) fail(b, `block of ${size} bytes runs past the sentinel at ${sentinel}`);
    if (((h & Blk.PREV_USED) !== 0) !== prevUsed) fail(b, `PREV_USED bit says the previous block is ${prevUsed ? 'free' : 'used'}, it is ${prevUsed ? 'used' : 'free'}`);
    if ((h & Blk.USED) !== 0) {
      const req = u32[(b + 4) >>> 2];
      const slack = size - Blk.HEADER - req;
      if (slack < 0 || slack > Blk.MAX_SLACK) fail(b, `requested size ${req} does not fit a used block of ${size} bytes`);
      liveBlocks++;
      usedBytes += size;
      liveBytes += req;
      prevUsed = true;
    } else {
      if (!prevUsed) fail(b, `two free blocks are adjacent (not coalesced)`);
      if (u32[(b + size - 4) >>> 2] !== size) fail(b, `footer ${u32[(b + size - 4) >>> 2]} differs from the size ${size}`);
      if (!listed.delete(b)) fail(b, `free block of ${size} bytes is in no list`);
      freeBlocks++;
      prevUsed = false;
    }
    b += size;
  }
  if (b !== sentinel) fail(b, `blocks end at ${b}, not at the sentinel ${sentinel}`);
  const sh = u32[sentinel >>> 2];
  if ((sh & ~Blk.PREV_USED) !== Blk.USED) fail(sentinel, `the sentinel before the break is damaged`);
  if (((sh & Blk.PREV_USED) !== 0) !== prevUsed) fail(sentinel, `the sentinel's PREV_USED bit is wrong`);
  if (listed.size !== 0) fail([...listed][0], `block in a free list is not a free block of the heap`);
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(start, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[t.hf + Hdr.F_ALLOCS] - f64[t.hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
  expect(u32[t.hw + Hdr.W_FREE_BLOCKS], freeBlocks, 'freeBlocks');
}

/**
 * Every list: its blocks inside the heap, free, of the list's size range, linked both
 * ways, each once; both bitmap levels agree with the lists. Returns the listed blocks.
 */
function checkLists(t: WalkTarget, start: number, sentinel: number, fail: (b: number, why: string) => never): Set<number> {
  const { u32, pm } = t;
  const listed = new Set<number>();
  const flMap = u32[pm + Meta.P_FL_MAP];
  if (flMap >>> Tl.FL_COUNT !== 0) fail(start, `first-level bitmap ${flMap >>> 0} names levels above ${Tl.FL_COUNT - 1}`);
  for (let fl = 0; fl < Tl.FL_COUNT; fl++) {
    const slMap = u32[pm + Meta.P_SL_MAPS + fl];
    if ((slMap !== 0) !== ((flMap & (1 << fl)) !== 0)) fail(start, `first-level bitmap bit ${fl} disagrees with that level's second-level bitmap ${slMap >>> 0}`);
    for (let sl = 0; sl < Tl.SL_COUNT; sl++) {
      const index = fl * Tl.SL_COUNT + sl;
      const range = `list (fl ${fl}, sl ${sl}) for sizes ${listMinSize(index)}+`;
      let prev = 0;
      let count = 0;
      for (let b = u32[pm + Meta.P_HEADS + index]; b !== 0; b = u32[(b + 4) >>> 2]) {
        if (b < start || b >= sentinel || b % 8 !== 0) fail(b, `${range} points outside the heap's blocks`);
        if (listed.has(b)) fail(b, `block is linked twice in the free lists (a cycle or a duplicate)`);
        listed.add(b);
        const h = u32[b >>> 2];
        if ((h & Blk.USED) !== 0) fail(b, `used block found in the ${range}`);
        if (listOf(sizeOf(h)) !== index) fail(b, `free block of ${sizeOf(h)} bytes is in the ${range}`);
        if (u32[(b + 8) >>> 2] !== prev) fail(b, `broken back link in the ${range}`);
        prev = b;
        count++;
      }
      if ((count !== 0) !== ((slMap & (1 << sl)) !== 0)) fail(start, `second-level bitmap bit of the ${range} says ${count === 0 ? 'non-empty' : 'empty'}`);
    }
  }
  return listed;
}

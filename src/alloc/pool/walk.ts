/**
 * Whole-pool walks: check() (every invariant listed in layout.ts) and blocks(). O(heap),
 * allocating freely; never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { bitmapWord, firstChunk, poolGeometry, requestedWord, Pool } from './layout.js';

export interface PoolWalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
  readonly heapStart: number;
  readonly blockSize: number;
  readonly slot: number;
  readonly slots: number;
  readonly header: number;
  readonly chunk: number;
  readonly first: number;
}

function isUsed(t: PoolWalkTarget, c: number, i: number): boolean {
  return (t.u32[bitmapWord(c, i)] & (1 << (i & 31))) !== 0;
}

export function walkPool(t: PoolWalkTarget): BlockInfo[] {
  const brk = t.u32[t.hw + Hdr.W_BRK];
  const out: BlockInfo[] = [];
  if (t.first > t.heapStart) out.push({ ptr: t.heapStart, offset: t.heapStart, size: t.first - t.heapStart, state: 'metadata', requested: 0 });
  for (let c = t.first; c + t.chunk <= brk; c += t.chunk) {
    out.push({ ptr: c, offset: c, size: t.header, state: 'metadata', requested: 0 });
    for (let i = 0; i < t.slots; i++) {
      const s = c + t.header + i * t.slot;
      const used = isUsed(t, c, i);
      out.push({ ptr: s, offset: s, size: t.slot, state: used ? 'used' : 'free', requested: used ? t.u32[requestedWord(c, t.slots, i)] : 0 });
    }
  }
  return out;
}

export function checkPool(t: PoolWalkTarget): void {
  const { u32, f64 } = t;
  const brk = u32[t.hw + Hdr.W_BRK];
  const fail = (b: number, why: string): never => { throw new HeapCorruptionError(b, why); };
  // the geometry words: consistent with the block size, and with what this Heap read from them
  const pm = t.pm;
  const blockSize = u32[pm + Pool.P_BLOCK_SIZE];
  const g = poolGeometry(blockSize);
  const words = [u32[pm + Pool.P_SLOT], u32[pm + Pool.P_SLOTS], u32[pm + Pool.P_CHUNK_HEADER], u32[pm + Pool.P_CHUNK]];
  if (blockSize < 1 || blockSize > Pool.MAX_BLOCK_SIZE || blockSize !== t.blockSize ||
    words.join() !== [g.slot, g.slots, g.header, g.chunk].join() || words.join() !== [t.slot, t.slots, t.header, t.chunk].join() ||
    u32[pm + Pool.P_FIRST_CHUNK] !== firstChunk(t.heapStart, g.align) || t.first !== u32[pm + Pool.P_FIRST_CHUNK]) {
    fail(pm * 4, `the pool's geometry words (block size ${blockSize}: ${words.join(', ')}) are damaged`);
  }
  if (brk > u32.length * 4 || brk < t.first || (brk - t.first) % t.chunk !== 0) fail(brk, `the break ${brk} does not end a whole chunk`);

  // 1. the free list
  const listed = new Set<number>();
  let prev = 0;
  for (let s = u32[pm + Pool.P_FREE_HEAD]; s !== 0; s = u32[s >>> 2]) {
    const c = t.first + Math.floor((s - t.first) / t.chunk) * t.chunk;
    const o = s - c - t.header;
    if (s < t.first || s >= brk || o < 0 || o % t.slot !== 0) fail(s, `the free list points to something that is not a block`);
    if (listed.has(s)) fail(s, `block is on the free list twice (a cycle)`);
    listed.add(s);
    if (isUsed(t, c, o / t.slot)) fail(s, `used block found on the free list`);
    if (u32[(s + 4) >>> 2] !== prev) fail(s, `broken back link on the free list`);
    prev = s;
  }

  // 2. the chunks: bitmaps, counts, requests, counters
  let liveBlocks = 0;
  let liveBytes = 0;
  let freeBlocks = 0;
  const spare = t.slots % 32;
  for (let c = t.first; c < brk; c += t.chunk) {
    let used = 0;
    if (spare !== 0 && (u32[bitmapWord(c, t.slots - 1)] >>> spare) !== 0) fail(c, `bitmap bits beyond the chunk's ${t.slots} blocks are set`);
    for (let i = 0; i < t.slots; i++) {
      const s = c + t.header + i * t.slot;
      const req = u32[requestedWord(c, t.slots, i)];
      if (isUsed(t, c, i)) {
        if (req > t.blockSize) fail(s, `requested size ${req} is above the block size ${t.blockSize}`);
        used++;
        liveBytes += req;
      } else {
        if (req !== 0) fail(s, `free block has a requested size (${req})`);
        if (!listed.delete(s)) fail(s, `free block is not on the free list`);
        freeBlocks++;
      }
    }
    if (u32[c >>> 2] !== used) fail(c, `chunk's used count ${u32[c >>> 2]} differs from its bitmap (${used})`);
    const padding = requestedWord(c, t.slots, t.slots);
    if (padding < (c + t.header) >>> 2 && u32[padding] !== 0) fail(c, `the chunk header's padding word is not zero`);
    liveBlocks += used;
  }
  if (listed.size !== 0) fail([...listed][0], `free list holds a block outside the chunks`);
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(t.heapStart, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[t.hf + Hdr.F_ALLOCS] - f64[t.hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - frees)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], liveBlocks * t.slot, 'usedBytes');
  expect(u32[t.hw + Hdr.W_FREE_BLOCKS], freeBlocks, 'freeBlocks');
}

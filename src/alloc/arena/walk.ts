/**
 * Whole-arena walks: check() (every invariant listed in layout.ts) and blocks(). O(heap),
 * allocating freely; never on the malloc/free path.
 */
import { HeapCorruptionError } from '../../base/errors.js';
import type { BlockInfo } from '../../base/types.js';
import { Hdr } from '../../os/header.js';
import { Arena } from './layout.js';

export interface ArenaWalkTarget {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly hw: number;
  readonly hf: number;
  readonly heapStart: number;
  readonly bump: number;
  readonly pm: number;
}

export function walkArena(t: ArenaWalkTarget): BlockInfo[] {
  const { u32 } = t;
  const bump = t.bump;
  const brk = u32[t.hw + Hdr.W_BRK];
  const out: BlockInfo[] = [];
  for (let b = t.heapStart; b < bump;) {
    const h = u32[b >>> 2];
    const size = h & ~Arena.TAG_MASK;
    if (size < 8) break; // corrupt: check() reports it
    const used = (h & Arena.TAG_MASK) === Arena.USED;
    out.push({ ptr: used ? b + Arena.HEADER : b, offset: b, size, state: used ? 'used' : 'metadata', requested: used ? u32[(b + 4) >>> 2] : 0 });
    b += size;
  }
  if (brk > bump) out.push({ ptr: bump, offset: bump, size: brk - bump, state: 'top', requested: 0 });
  return out;
}

export function checkArena(t: ArenaWalkTarget): void {
  const { u32, f64 } = t;
  const bump = t.bump;
  const brk = u32[t.hw + Hdr.W_BRK];
  const fail = (b: number, why: string): never => { throw new HeapCorruptionError(b, why); };
  if (brk > u32.length * 4 || bump > brk || bump < t.heapStart || bump % 8 !== 0) {
    fail(bump, `the allocation point ${bump} lies outside [${t.heapStart}, break ${brk}]`);
  }
  const lastMark = u32[t.pm + Arena.P_LAST_MARK];
  if (lastMark < t.heapStart || lastMark > bump || lastMark % 8 !== 0) fail(lastMark, `the last mark ${lastMark} lies outside [${t.heapStart}, ${bump}]`);
  let liveBlocks = 0;
  let liveBytes = 0;
  let usedBytes = 0;
  let b = t.heapStart;
  let markSeen = lastMark === bump;
  while (b < bump) {
    if (b === lastMark) markSeen = true;
    const h = u32[b >>> 2];
    const tag = h & Arena.TAG_MASK;
    const size = (h & ~Arena.TAG_MASK) >>> 0;
    if ((tag !== Arena.USED && tag !== Arena.PAD) || size < 8 || (tag === Arena.USED && size < Arena.MIN_BLOCK)) fail(b, `header ${h >>> 0} is not a block or pad header`);
    if (b + size > bump) fail(b, `block of ${size} bytes runs past the allocation point ${bump}`);
    if (tag === Arena.USED) {
      const req = u32[(b + 4) >>> 2];
      const slack = size - Arena.HEADER - req;
      if (slack < 0 || slack > Arena.MAX_SLACK) fail(b, `requested size ${req} does not fit a block of ${size} bytes`);
      liveBlocks++;
      liveBytes += req;
      usedBytes += size;
    } else if (size >= 16 && u32[(b + 4) >>> 2] !== 0) {
      fail(b, `pad block's second word is not zero`);
    }
    b += size;
  }
  if (!markSeen) fail(lastMark, `the last mark ${lastMark} is not a block boundary`);
  const expect = (counter: number, actual: number, what: string): void => {
    if (counter !== actual) fail(t.heapStart, `counter ${what} is ${counter}, the heap holds ${actual}`);
  };
  expect(f64[t.hf + Hdr.F_ALLOCS] - f64[t.hf + Hdr.F_FREES], liveBlocks, 'liveBlocks (allocations - releases)');
  expect(u32[t.hw + Hdr.W_LIVE_BYTES], liveBytes, 'liveBytes');
  expect(u32[t.hw + Hdr.W_USED_BYTES], usedBytes, 'usedBytes');
}

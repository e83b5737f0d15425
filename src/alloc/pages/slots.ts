/**
 * The two slot maps of the pages allocator, in the heap memory at heapStart: the head map
 * (bit i: slot i starts a span) and the free map (bit i: slot i is free, below the break).
 * A slot with neither bit is a continuation of the span before it, or above the break.
 * `w` is the word index of a map; `i` a slot index.
 */

export function bitAt(u32: Uint32Array, w: number, i: number): boolean {
  return (u32[w + (i >>> 5)] & (1 << (i & 31))) !== 0;
}

export function setBits(u32: Uint32Array, w: number, from: number, to: number): void {
  for (let i = from; i < to; i++) u32[w + (i >>> 5)] |= 1 << (i & 31);
}

export function clearBits(u32: Uint32Array, w: number, from: number, to: number): void {
  for (let i = from; i < to; i++) u32[w + (i >>> 5)] &= ~(1 << (i & 31));
}

/**
 * The first of k consecutive set bits among slots [0, count), lowest first (first fit, so
 * that the high slots empty out and the break can fall), or -1. Whole words are skipped
 * when empty (and taken whole when full); `meter.work` counts the words read.
 */
export function findRun(u32: Uint32Array, w: number, count: number, k: number, meter: { work: number }): number {
  let run = 0;
  const words = (count + 31) >>> 5;
  for (let wi = 0; wi < words; wi++) {
    let word = u32[w + wi];
    meter.work += 1;
    if (wi === words - 1 && (count & 31) !== 0) word &= (1 << (count & 31)) - 1;
    if (word === 0) { run = 0; continue; }
    if ((word | 0) === -1) {
      if (run + 32 >= k) return wi * 32 - run; // the run began `run` slots before this word
      run += 32;
      continue;
    }
    for (let b = 0; b < 32; b++) {
      if ((word & (1 << b)) !== 0) {
        if (++run === k) return wi * 32 + b - k + 1;
      } else run = 0;
    }
  }
  return -1;
}

/** The highest set bit at or below slot i, or -1. */
export function setBitAtOrBelow(u32: Uint32Array, w: number, i: number): number {
  let wi = i >>> 5;
  let word = u32[w + wi] & (((2 ** ((i & 31) + 1)) - 1) | 0);
  for (;;) {
    if (word !== 0) return wi * 32 + 31 - Math.clz32(word);
    if (wi === 0) return -1;
    wi--;
    word = u32[w + wi];
  }
}

/** Calls fn(start, length) for every run of set bits among slots [0, count), in order. */
export function forEachRun(u32: Uint32Array, w: number, count: number, fn: (start: number, length: number) => void): void {
  let start = -1;
  for (let i = 0; i < count; i++) {
    if ((i & 31) === 0 && u32[w + (i >>> 5)] === 0 && start < 0) { i += 31; continue; }
    if (bitAt(u32, w, i)) { if (start < 0) start = i; } else if (start >= 0) { fn(start, i - start); start = -1; }
  }
  if (start >= 0) fn(start, count - start);
}

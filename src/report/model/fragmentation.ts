/**
 * Fragmentation figures of one moment of a heap, from its blocks. A block counts as
 * free space when its state is 'free' or 'top' (both can satisfy a request without
 * growing the heap).
 */
import type { BlockInfo } from '../../index.js';

export interface FragmentationFigures {
  freeBytes: number;
  freeBlocks: number;
  largestFree: number;
  /** 1 - largest free block / free bytes: how much free space a single large request cannot use. */
  external: number;
  /** 1 - sqrt(sum f_i^2) / sum f_i over free blocks f_i: 0 for one free block, towards 1 for many equal small ones. */
  spread: number;
  /** Free blocks by size class: histogram[k] counts free blocks of size in [2^k, 2^(k+1)). */
  histogram: number[];
}

export const HISTOGRAM_CLASSES = 33;

export function isFreeState(state: string): boolean {
  return state === 'free' || state === 'top';
}

export function fragmentationOf(blocks: readonly BlockInfo[]): FragmentationFigures {
  let sum = 0, sumSq = 0, largest = 0, count = 0;
  const histogram = new Array<number>(HISTOGRAM_CLASSES).fill(0);
  for (const b of blocks) {
    if (!isFreeState(b.state)) continue;
    sum += b.size;
    sumSq += b.size * b.size;
    if (b.size > largest) largest = b.size;
    count++;
    histogram[sizeClass(b.size)]++;
  }
  return {
    freeBytes: sum,
    freeBlocks: count,
    largestFree: largest,
    external: sum > 0 ? 1 - largest / sum : 0,
    spread: sum > 0 ? 1 - Math.sqrt(sumSq) / sum : 0,
    histogram,
  };
}

export function sizeClass(size: number): number {
  return size <= 1 ? 0 : Math.min(HISTOGRAM_CLASSES - 1, 31 - Math.clz32(size));
}

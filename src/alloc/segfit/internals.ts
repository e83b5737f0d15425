/**
 * segfit's structures as the report draws them (heap.internals()): the exact small bins,
 * the two-level large bins with their bitmaps, and each size group's region tail.
 * O(free chunks).
 */
import { walkList, type SegfitInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { Meta, Tlsf } from './bins.js';
import { Chunk, sizeOf } from './layout.js';

export interface SegfitInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
}

const LARGE_LISTS = (Tlsf.FL_CAP - Tlsf.FL_MIN) * Tlsf.SL_COUNT + 1;

export function segfitInternals(t: SegfitInternalsTarget): SegfitInternals {
  const { u32, pm } = t;
  const limit = u32[t.hw + Hdr.W_BRK] / 16;
  const bins: SegfitInternals['bins'] = [];
  for (let size = Chunk.MIN_CHUNK; size <= Chunk.SMALL_MAX; size += 8) {
    const head = u32[pm + Meta.P_SMALL_HEADS + (size >>> 3)] as number;
    if (head !== 0) bins.push({ kind: 'small', minSize: size, maxSize: size + 8, ...walkList(u32, head, 4, limit) });
  }
  for (let list = 0; list < LARGE_LISTS; list++) {
    const head = u32[pm + Meta.P_LARGE_HEADS + list] as number;
    const maxSize = list + 1 < LARGE_LISTS ? largeMinSize(list + 1) : 2 ** 32;
    if (head !== 0) bins.push({ kind: 'large', minSize: largeMinSize(list), maxSize, ...walkList(u32, head, 4, limit) });
  }
  const regions: SegfitInternals['regions'] = [];
  for (let g = 0; g < Chunk.GROUPS; g++) {
    const tail = u32[pm + Meta.P_REGION_SLOTS + g] as number;
    regions.push({ group: g, minSize: 16 << g, maxSize: g === Chunk.GROUPS - 1 ? Chunk.SMALL_MAX : (32 << g) - 1, tail, tailSize: tail === 0 ? 0 : sizeOf(u32[tail >>> 2] as number) });
  }
  return {
    kind: 'segfit', policy: 'segfit',
    smallBitmap: [u32[pm + Meta.P_SMALL_MAP] as number, u32[pm + Meta.P_SMALL_MAP + 1] as number],
    largeFlBitmap: u32[pm + Meta.P_FL_MAP] as number, largeSlBitmap: u32[pm + Meta.P_SL_MAP] as number,
    bins, regions,
  };
}

/** Smallest chunk of large list `list` = (fl - FL_MIN) * SL_COUNT + sl (the first starts above the small bins). */
function largeMinSize(list: number): number {
  const fl = Tlsf.FL_MIN + (list >>> Tlsf.SL_BITS), sl = list & (Tlsf.SL_COUNT - 1);
  return list === 0 ? Chunk.SMALL_MAX + 8 : 2 ** fl + sl * 2 ** (fl - Tlsf.SL_BITS);
}

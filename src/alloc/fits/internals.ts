/**
 * The fits' structures as the report draws them (heap.internals()): the one free list in
 * list order with its chunks' sizes, and next-fit's rover. O(free chunks).
 */
import { walkList, type FitsInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { Fit, sizeOf } from './layout.js';

export interface FitsInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
  readonly name: string;
}

export function fitsInternals(t: FitsInternalsTarget): FitsInternals {
  const { u32, pm } = t;
  const list = walkList(u32, u32[pm + Fit.P_HEAD] as number, 4, (u32[t.hw + Hdr.W_BRK] as number) / 16);
  return {
    kind: 'fits', policy: t.name,
    freeList: { ...list, sizes: list.first.map((c) => sizeOf(u32[c >>> 2] as number)) },
    rover: u32[pm + Fit.P_ROVER] as number,
  };
}

/**
 * tlsf's structures as the report draws them (heap.internals()): the first-level bitmap,
 * the second-level bitmaps and every non-empty list with its length. O(free blocks).
 */
import { walkList, type TlsfInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { Meta, Tl, listMinSize } from './layout.js';

export interface TlsfInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
}

export function tlsfInternals(t: TlsfInternalsTarget): TlsfInternals {
  const { u32, pm } = t;
  const limit = u32[t.hw + Hdr.W_BRK] / 16;
  const slBitmaps: number[] = [];
  const levelMinSize: number[] = [];
  const lists: TlsfInternals['lists'] = [];
  for (let fl = 0; fl < Tl.FL_COUNT; fl++) {
    slBitmaps.push(u32[pm + Meta.P_SL_MAPS + fl] as number);
    levelMinSize.push(listMinSize(fl * Tl.SL_COUNT));
    for (let sl = 0; sl < Tl.SL_COUNT; sl++) {
      const index = fl * Tl.SL_COUNT + sl;
      const head = u32[pm + Meta.P_HEADS + index] as number;
      if (head !== 0) lists.push({ fl, sl, minSize: listMinSize(index), maxSize: index + 1 < Tl.LISTS ? listMinSize(index + 1) : 2 ** 32, ...walkList(u32, head, 4, limit) });
    }
  }
  return { kind: 'tlsf', policy: 'tlsf', flBitmap: u32[pm + Meta.P_FL_MAP] as number, slBitmaps, slCount: Tl.SL_COUNT, levelMinSize, lists };
}

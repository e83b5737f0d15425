/**
 * The pool's structures as the report draws them (heap.internals()): its geometry and the
 * one free list of slots, head first. O(free slots).
 */
import { walkList, type PoolInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { Pool } from './layout.js';

export interface PoolInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
  readonly blockSize: number;
  readonly slot: number;
  readonly slots: number;
  readonly chunk: number;
  readonly first: number;
}

export function poolInternals(t: PoolInternalsTarget): PoolInternals {
  const brk = t.u32[t.hw + Hdr.W_BRK] as number;
  return {
    kind: 'pool', policy: 'pool', blockSize: t.blockSize, slotSize: t.slot, slotsPerChunk: t.slots,
    chunks: t.chunk > 0 && brk > t.first ? Math.floor((brk - t.first) / t.chunk) : 0,
    // a free slot's first word links the next free slot
    freeList: walkList(t.u32, t.u32[t.pm + Pool.P_FREE_HEAD] as number, 0, brk / 8),
  };
}

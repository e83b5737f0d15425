/**
 * The buddy system's structures as the report draws them (heap.internals()): the free list
 * of every order and the bitmap of the non-empty ones. O(free blocks).
 */
import { BUDDY_SAMPLE, walkList, type BuddyInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { Buddy } from './layout.js';

export interface BuddyInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
  readonly base: number;
}

export function buddyInternals(t: BuddyInternalsTarget): BuddyInternals {
  const { u32, pm, base } = t;
  const end = u32[t.hw + Hdr.W_BRK] as number;
  const limit = end / 16;
  const orders: BuddyInternals['orders'] = [];
  for (let k = Buddy.MIN_ORDER; k <= Buddy.MAX_ORDER && (k === Buddy.MIN_ORDER || 2 ** k <= end - base); k++) {
    orders.push({ order: k, size: 2 ** k, ...walkList(u32, u32[pm + Buddy.P_HEADS + k] as number, 4, limit, BUDDY_SAMPLE) });
  }
  return { kind: 'buddy', policy: 'buddy', bitmap: u32[pm + Buddy.P_BITMAP] as number, start: base, end, minOrder: Buddy.MIN_ORDER, orders };
}

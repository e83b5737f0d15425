/**
 * The memory counters every policy keeps in the heap header, so that stats() is O(1)
 * whatever the policy (tools such as the malloc-lab driver call it after every operation):
 *   W_LIVE_BYTES / W_PEAK_LIVE_BYTES   requested bytes of live blocks, and their peak
 *   W_USED_BYTES                       bytes of live blocks, headers and padding included
 *   W_FREE_BLOCKS                      free blocks (the policy adds and removes them itself)
 *   F_ALLOCS / F_FREES                 blocks allocated and freed (live blocks = the difference)
 *   F_GROWN_ALLOCS                     allocations served by raising the break
 * The conformance suite checks them against blocks() after every operation.
 */
import { Hdr } from '../os/header.js';

/** One more live block of `requested` bytes taking `blockBytes`; `grew`: the break was raised for it. */
export function countAlloc(u32: Uint32Array, f64: Float64Array, hw: number, hf: number,
  requested: number, blockBytes: number, grew: boolean): void {
  u32[hw + Hdr.W_USED_BYTES] += blockBytes;
  f64[hf + Hdr.F_ALLOCS] += 1;
  if (grew) f64[hf + Hdr.F_GROWN_ALLOCS] += 1;
  const live = u32[hw + Hdr.W_LIVE_BYTES] + requested;
  u32[hw + Hdr.W_LIVE_BYTES] = live;
  if (live > u32[hw + Hdr.W_PEAK_LIVE_BYTES]) u32[hw + Hdr.W_PEAK_LIVE_BYTES] = live;
}

/** One live block of `requested` bytes taking `blockBytes` is gone. */
export function countFree(u32: Uint32Array, f64: Float64Array, hw: number, hf: number,
  requested: number, blockBytes: number): void {
  u32[hw + Hdr.W_USED_BYTES] -= blockBytes;
  u32[hw + Hdr.W_LIVE_BYTES] -= requested;
  f64[hf + Hdr.F_FREES] += 1;
}

/** A live block resized in place: from `oldRequested`/`oldBytes` to `requested`/`blockBytes`. */
export function countResize(u32: Uint32Array, hw: number,
  oldRequested: number, requested: number, oldBytes: number, blockBytes: number): void {
  u32[hw + Hdr.W_USED_BYTES] += blockBytes - oldBytes;
  const live = u32[hw + Hdr.W_LIVE_BYTES] + requested - oldRequested;
  u32[hw + Hdr.W_LIVE_BYTES] = live;
  if (live > u32[hw + Hdr.W_PEAK_LIVE_BYTES]) u32[hw + Hdr.W_PEAK_LIVE_BYTES] = live;
}

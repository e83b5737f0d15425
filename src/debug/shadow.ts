/**
 * Shadow memory of debug mode: the state of every byte of the backing, kept in JS-side
 * typed arrays (debug state belongs to the DebugHeap object, never to the shared memory,
 * so another Heap attached to the same memory does not see it).
 *
 * States (what a byte of the backing currently is, for the program):
 *
 *   NOT_IN_BLOCK   heap metadata, free memory, memory past the break: never addressable
 *   REDZONE        a redzone before or after a block: never addressable
 *   FREED          the payload of a block in quarantine: addressable no more
 *   UNDEFINED      payload of a live block, not written since malloc / realloc growth
 *   DEFINED        payload of a live block written through the checked accessor,
 *                  by calloc, by a realloc copy of defined bytes, or markDefined();
 *                  also the static area and memory below the heap's base
 *
 * Invariant: only UNDEFINED and DEFINED bytes may be accessed; only DEFINED ones read.
 *
 * Layout (AddressSanitizer's granules, with Valgrind's per-byte definedness where needed):
 *
 *   granules  one byte per aligned 8-byte granule, one of
 *               0..4      all 8 bytes in that state
 *               TAIL      the granule a block's payload ends in: its first k bytes (1..7)
 *                         FREED, UNDEFINED or DEFINED, the rest REDZONE (see tailCode)
 *               MIXED     anything else: read each byte's state in `detail`
 *   detail    one byte per byte, meaningful only inside a MIXED granule; made on the
 *             first MIXED granule (a partial write through the checked accessor, an
 *             unaligned static area), so most heaps never pay for it
 *
 * Every malloc and free of debug mode writes the states of a whole block, and blocks
 * are 8-aligned: so a block costs one granule byte per 8 bytes, the payload's last
 * granule included. Which states a granule's detail bytes hold when it is not MIXED
 * does not matter: they are written in full whenever a granule becomes MIXED.
 *
 * Caveat: cover() must run before states are written for a grown backing. Writes past the
 * covered length are dropped, which is right for NOT_IN_BLOCK only; every other write is
 * preceded by cover(u8.length).
 */

import { fillPattern } from './patterns.js';

export const NOT_IN_BLOCK = 0;
export const REDZONE = 1;
export const FREED = 2;
export const UNDEFINED = 3;
export const DEFINED = 4;
export type ShadowState = typeof NOT_IN_BLOCK | typeof REDZONE | typeof FREED | typeof UNDEFINED | typeof DEFINED;
/** A granule whose bytes differ: read each one's state in `detail`. Never a byte's state. */
const MIXED = 5;

/** Granules copied in JS when source and destination do not overlap; longer copies call memmove. */
const SHORT_COPY_GRANULES = 64;

/** One character per state, for hex dumps. */
export const STATE_CHARS = ['.', 'r', 'f', 'u', 'v'] as const;
export const STATE_LEGEND = 'v valid, u uninitialized, r redzone, f freed, . not in a block';

export class ShadowMemory {
  /** Bytes covered: a multiple of 64, so that `granules` is a whole number of float64 words. */
  private length: number;
  private granules: Uint8Array;
  /** The same granules as float64 words, for fillPattern's short fills. */
  private granuleWords: Float64Array;
  private detail: Uint8Array | null = null;
  /** The states of one granule, byte by byte, while it is rewritten (setBytes). */
  private readonly scratch = new Uint8Array(8);
  /** The states of the partial granule at the end of a copy. */
  private readonly tailStates = new Uint8Array(8);

  constructor(length: number) {
    this.length = roundUp64(length);
    this.granules = new Uint8Array(this.length >>> 3);
    this.granuleWords = new Float64Array(this.granules.buffer);
  }

  /** Makes the shadow cover `length` bytes (new bytes NOT_IN_BLOCK). Never shrinks: states past a trimmed end are NOT_IN_BLOCK anyway. */
  cover(length: number): void {
    if (length <= this.length) return;
    const next = roundUp64(Math.max(length, this.length * 2));
    const granules = new Uint8Array(next >>> 3);
    granules.set(this.granules);
    if (this.detail !== null) {
      const detail = new Uint8Array(next);
      detail.set(this.detail);
      this.detail = detail;
    }
    this.length = next;
    this.granules = granules;
    this.granuleWords = new Float64Array(granules.buffer);
  }

  /** The state of `address` (NOT_IN_BLOCK beyond the covered range). */
  state(address: number): ShadowState {
    if (!(address >= 0 && address < this.length)) return NOT_IN_BLOCK;
    return this.stateIn(this.granules[address >>> 3] as number, address);
  }

  /**
   * Sets [from, to) to `state` (a range past the covered length is cut: those bytes are
   * NOT_IN_BLOCK already, or covered by the next cover()). Whole granules get one byte each.
   */
  fill(state: ShadowState, from: number, to: number): void {
    from = Math.max(0, from);
    to = Math.min(to, this.length);
    if (from >= to) return;
    const first = (from + 7) >>> 3; // first whole granule
    const last = to >>> 3; // end of the whole granules
    if (first > last) { // inside one granule
      this.setBytes(state, from, to);
      return;
    }
    if ((from & 7) !== 0) this.setBytes(state, from, first << 3);
    if (first < last) fillPattern(this.granules, this.granuleWords, first, last, state);
    if ((to & 7) !== 0) this.setBytes(state, last << 3, to);
  }

  /**
   * The states of a debug block [base, end): REDZONE, then the payload [ptr, ptr + size) in
   * `payload`, then REDZONE. base, ptr and end are multiples of 8 (one pass over the granules).
   */
  fillBlock(base: number, ptr: number, size: number, end: number, payload: ShadowState): void {
    if (((base | ptr | end) & 7) !== 0 || end > this.length) {
      this.fill(REDZONE, base, ptr);
      this.fill(payload, ptr, ptr + size);
      this.fill(REDZONE, ptr + size, end);
      return;
    }
    const granules = this.granules;
    const words = this.granuleWords;
    const whole = (ptr + size) >>> 3;
    fillPattern(granules, words, base >>> 3, ptr >>> 3, REDZONE);
    fillPattern(granules, words, ptr >>> 3, whole, payload);
    let g = whole;
    if ((size & 7) !== 0) granules[g++] = tailCode(payload, size & 7);
    fillPattern(granules, words, g, end >>> 3, REDZONE);
  }

  /**
   * First address in [from, to) that may not be accessed, -1 if none: NOT_IN_BLOCK, REDZONE,
   * FREED, anything at or past `limit`, and (when `reading`) UNDEFINED.
   */
  firstInaccessible(from: number, to: number, reading: boolean, limit: number): number {
    const end = Math.min(to, limit, this.length);
    if (from < 0) return from < to ? from : -1;
    const granules = this.granules;
    let a = from;
    while (a < end) {
      const g = granules[a >>> 3] as number;
      const next = Math.min(end, ((a >>> 3) + 1) << 3);
      if (g === DEFINED || (g === UNDEFINED && !reading)) {
        a = next;
        continue;
      }
      if (g < MIXED) return a;
      for (; a < next; a++) {
        const s = this.stateIn(g, a);
        if (!(s === DEFINED || (s === UNDEFINED && !reading))) return a;
      }
    }
    return a < to ? a : -1; // a >= end here: the rest lies past the limit
  }

  /** Carries the states of [from, from + length) over to `to`, as memmove does with the bytes. */
  copy(to: number, from: number, length: number): void {
    if (length <= 0 || to === from) return;
    if (((to | from) & 7) !== 0) {
      const states = new Uint8Array(length);
      for (let i = 0; i < length; i++) states[i] = this.state(from + i);
      for (let i = 0; i < length; i++) this.fill(states[i] as ShadowState, to + i, to + i + 1);
      return;
    }
    // Granule-aligned: the whole granules move as bytes; the partial one after them byte by byte.
    const whole = length >>> 3;
    const tail = length & 7;
    const tailStates = this.tailStates;
    for (let i = 0; i < tail; i++) tailStates[i] = this.state(from + whole * 8 + i);
    const g = to >>> 3;
    const f = from >>> 3;
    const granules = this.granules;
    if (whole > SHORT_COPY_GRANULES || (g < f + whole && f < g + whole)) {
      granules.copyWithin(g, f, f + whole); // long, or overlapping: memmove
      for (let k = g; k < g + whole; k++) {
        if (granules[k] === MIXED) { // the source's detail bytes must come too
          (this.detail as Uint8Array).copyWithin(to, from, from + whole * 8);
          break;
        }
      }
    } else {
      for (let k = 0; k < whole; k++) {
        const s = granules[f + k] as number;
        granules[g + k] = s;
        if (s === MIXED) {
          const detail = this.detail as Uint8Array;
          for (let i = 0; i < 8; i++) detail[to + k * 8 + i] = detail[from + k * 8 + i] as number;
        }
      }
    }
    if (tail > 0) this.setGranule(to + whole * 8, tailStates, tail);
  }

  /** The state of byte `address` of a granule whose code is `g`. */
  private stateIn(g: number, address: number): ShadowState {
    if (g < MIXED) return g as ShadowState;
    if (g === MIXED) return (this.detail as Uint8Array)[address] as ShadowState;
    return ((address & 7) < (g & 7) ? ((g - TAIL) >>> 3) + FREED : REDZONE) as ShadowState;
  }

  /** Sets the bytes [from, to) of one granule, and encodes it again (whole, TAIL or MIXED). */
  private setBytes(state: ShadowState, from: number, to: number): void {
    const k = from >>> 3;
    const start = k << 3;
    const g = this.granules[k] as number;
    if (g === state) return;
    if (g > MIXED && from === start && to - start === (g & 7) && state >= FREED) {
      this.granules[k] = tailCode(state, g & 7); // a block's last payload bytes change state (freed)
      return;
    }
    const bytes = this.scratch;
    for (let i = 0; i < 8; i++) bytes[i] = this.stateIn(g, start + i);
    for (let a = from; a < to; a++) bytes[a - start] = state;
    this.granules[k] = this.encode(bytes, start);
  }

  /** Sets the first `count` bytes of the granule at `start` (a multiple of 8) to `states`. */
  private setGranule(start: number, states: Uint8Array, count: number): void {
    if (start >= this.length) return;
    const k = start >>> 3;
    const g = this.granules[k] as number;
    const bytes = this.scratch;
    for (let i = 0; i < 8; i++) bytes[i] = i < count ? states[i] as number : this.stateIn(g, start + i);
    this.granules[k] = this.encode(bytes, start);
  }

  /** The code of a granule whose 8 states are `bytes`; writes them to `detail` when MIXED. */
  private encode(bytes: Uint8Array, start: number): number {
    const first = bytes[0] as number;
    let k = 1;
    while (k < 8 && bytes[k] === first) k++;
    if (k === 8) return first;
    let rest = k;
    while (rest < 8 && bytes[rest] === REDZONE) rest++;
    if (rest === 8 && first >= FREED) return tailCode(first as ShadowState, k);
    const detail = this.detail ?? (this.detail = new Uint8Array(this.length));
    detail.set(bytes, start);
    return MIXED;
  }
}

/** First code of the TAIL granules: TAIL + (payload state - FREED) * 8 + k, k in 1..7. */
const TAIL = 8;

/** The granule whose first `k` bytes (1..7) are in `payload` (FREED, UNDEFINED or DEFINED) and the rest REDZONE. */
function tailCode(payload: ShadowState, k: number): number {
  return TAIL + (payload - FREED) * 8 + k;
}

function roundUp64(n: number): number {
  return Math.max(64, Math.ceil(n / 64) * 64);
}

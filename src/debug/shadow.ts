/**
 * Shadow memory of debug mode: one state byte per byte of the backing, kept in a
 * JS-side Uint8Array (debug state belongs to the DebugHeap object, never to the
 * shared memory, so another Heap attached to the same memory does not see it).
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
 * Caveat: cover() must run before states are written for a grown backing. Writes past the
 * covered length are dropped by fill(), which is right for NOT_IN_BLOCK only; every
 * other write is preceded by cover(u8.length).
 */

import { fillPattern } from './patterns.js';

export const NOT_IN_BLOCK = 0;
export const REDZONE = 1;
export const FREED = 2;
export const UNDEFINED = 3;
export const DEFINED = 4;
export type ShadowState = typeof NOT_IN_BLOCK | typeof REDZONE | typeof FREED | typeof UNDEFINED | typeof DEFINED;

/** One character per state, for hex dumps. */
export const STATE_CHARS = ['.', 'r', 'f', 'u', 'v'] as const;
export const STATE_LEGEND = 'v valid, u uninitialized, r redzone, f freed, . not in a block';

export class ShadowMemory {
  /** The states; replaced (longer) when the backing grows, so re-read after cover(). */
  bytes: Uint8Array;
  /** The same states as float64 words, for fillPattern's short fills. */
  private words: Float64Array;

  constructor(length: number) {
    this.bytes = new Uint8Array(roundUp8(length));
    this.words = new Float64Array(this.bytes.buffer);
  }

  /** Makes the shadow cover `length` bytes (new bytes NOT_IN_BLOCK). Never shrinks: states past a trimmed end are NOT_IN_BLOCK anyway. */
  cover(length: number): void {
    if (length <= this.bytes.length) return;
    const grown = new Uint8Array(roundUp8(Math.max(length, this.bytes.length * 2)));
    grown.set(this.bytes);
    this.bytes = grown;
    this.words = new Float64Array(grown.buffer);
  }

  /**
   * (A range past the covered length is cut: those bytes are NOT_IN_BLOCK already, or covered by the next cover().)
   * Runs on every malloc and free of debug mode: short ranges are written in JS (fillPattern).
   */
  fill(state: ShadowState, from: number, to: number): void {
    fillPattern(this.bytes, this.words, from, Math.min(to, this.bytes.length), state);
  }

  /** Carries states over, as memmove does with the bytes. */
  copy(to: number, from: number, length: number): void {
    this.bytes.copyWithin(to, from, from + length);
  }

  /** The state of `address` (NOT_IN_BLOCK beyond the covered range). */
  state(address: number): ShadowState {
    return address >= 0 && address < this.bytes.length ? this.bytes[address] as ShadowState : NOT_IN_BLOCK;
  }
}

function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

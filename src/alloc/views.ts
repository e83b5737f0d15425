/**
 * What every policy does the same way: reading its typed views of the backing (after a
 * resize by this or another Heap object), and naming what is wrong with a pointer value
 * that is not a multiple of 8 in the 32-bit address space.
 */
import { InvalidPointerError, type HeapError } from '../base/errors.js';
import { liveBuffer } from './live-buffer.js';
import { Hdr } from '../os/header.js';
import type { OsLayer } from '../os/os-layer.js';

export interface MemoryViews {
  u8: Uint8Array;
  u32: Uint32Array;
  f64: Float64Array;
  /** The backing's generation these views were read at. */
  generation: number;
}

/** Fresh views of the whole backing; throws when a plain ArrayBuffer was replaced under an attached Heap. */
export function memoryViews(os: OsLayer): MemoryViews {
  const buf = liveBuffer(os);
  const len = buf.byteLength;
  // division, not >>> 2: a 4 GiB memory's length does not fit the 32 bits a shift works on
  const u32 = new Uint32Array(buf, 0, Math.floor(len / 4));
  return { u8: new Uint8Array(buf, 0, len), u32, f64: new Float64Array(buf, 0, Math.floor(len / 8)), generation: u32[os.hw + Hdr.W_GENERATION] as number };
}

/** The error for a pointer that is not an integer in [0, 2^32) and a multiple of 8 (built out of the hot path). */
export function badPointerValue(op: string, p: unknown): HeapError {
  if (typeof p !== 'number') return new InvalidPointerError(op, p, 'not a number');
  if (!Number.isInteger(p)) return new InvalidPointerError(op, p, 'not an integer');
  if (p < 0 || p >= 2 ** 32) return new InvalidPointerError(op, p, 'outside the 32-bit address space');
  return new InvalidPointerError(op, p, 'misaligned (pointers are multiples of 8)');
}

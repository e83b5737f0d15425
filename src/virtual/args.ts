/**
 * Argument checks of the virtual allocator, built out of line so that the hot
 * paths stay small: a value that is not a number, or not an integer, is a
 * TypeError; an integer out of range (or an alignment that is not a power of
 * two) is a RangeError. Every message names the argument and the value.
 */
import { describePointer } from '../heap/errors.js';

/** True for an integer 1 <= a <= max that is a power of two. */
export function isPowerOfTwo(a: number, max: number): boolean {
  if (!(a >= 1 && a <= max && Number.isInteger(a))) return false;
  return a <= 0x40000000 ? (a & (a - 1)) === 0 : 2 ** Math.round(Math.log2(a)) === a;
}

/** The error for `name` = `value`, which should be an integer in [min, max]. */
export function integerError(operation: string, name: string, value: unknown, min: number, max: number, maxNote = ''): Error {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return new TypeError(`${operation}: ${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < min) return new RangeError(`${operation}: ${name} must be at least ${min}, got ${value}`);
  return new RangeError(`${operation}: ${name} must be at most ${max}${maxNote}, got ${value}`);
}

export function alignmentError(operation: string, name: string, value: unknown, max: number): Error {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return new TypeError(`${operation}: ${name} must be an integer power of two, got ${describeValue(value)}`);
  }
  return new RangeError(`${operation}: ${name} must be a power of two between 1 and ${max}, got ${value}`);
}

function describeValue(v: unknown): string {
  return typeof v === 'number' ? String(v) : `${describePointer(v)} (${typeof v})`;
}

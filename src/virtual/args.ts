/**
 * Argument checks of the virtual allocator, thrown out of line so that the hot
 * paths stay small. The project's convention (base/validate.ts): a value that is
 * not a number is a TypeError; NaN, a negative or fractional number, a number out
 * of range, or an alignment that is not a power of two is a RangeError. Every
 * message names the operation, the argument and the value.
 */
import { assertSize, isPowerOfTwo } from '../base/validate.js';

/** An integer power of two in [1, max]; the bit test covers the common small case. */
export function isAlignment(a: number, max: number): boolean {
  if (a >= 1 && a <= 0x40000000 && (a | 0) === a) return (a & (a - 1)) === 0;
  return typeof a === 'number' && a >= 1 && a <= max && isPowerOfTwo(a);
}

/** Throws the error for `name` = `value`, which is not an integer in [min, max]. */
export function rejectInteger(operation: string, name: string, value: unknown, min: number, max: number, maxNote = ''): never {
  assertSize(operation, name, value);
  if (value < min) throw new RangeError(`${operation}: ${name} must be at least ${min}, got ${value}`);
  throw new RangeError(`${operation}: ${name} must be at most ${max}${maxNote}, got ${value}`);
}

/** Throws the error for an alignment that is not a power of two in [1, max]. */
export function rejectAlignment(operation: string, name: string, value: unknown, max: number): never {
  if (typeof value !== 'number') throw new TypeError(`${operation}: ${name} must be a number, got ${value === null ? 'null' : typeof value}`);
  throw new RangeError(`${operation}: ${name} must be a power of two between 1 and ${max} (2^52), got ${value}`);
}

/**
 * Argument checks of the public API. The fast test for a size is
 * `(n >>> 0) === n` (an integer in [0, 2^32)); everything else goes through
 * classifySize, which names what was wrong.
 */

/** Throws TypeError/RangeError for a size or count that is not a non-negative safe integer. */
export function assertSize(op: string, what: string, n: unknown): asserts n is number {
  if (typeof n !== 'number') throw new TypeError(`${op}: ${what} must be a number, got ${typeof n}`);
  if (Number.isNaN(n)) throw new RangeError(`${op}: ${what} is NaN`);
  if (n < 0) throw new RangeError(`${op}: ${what} must not be negative, got ${n}`);
  if (!Number.isInteger(n)) throw new RangeError(`${op}: ${what} must be an integer, got ${n}`);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${op}: ${what} ${n} is not a safe integer`);
}

export function assertAlignment(op: string, alignment: unknown): asserts alignment is number {
  if (typeof alignment !== 'number') throw new TypeError(`${op}: alignment must be a number, got ${typeof alignment}`);
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment > 2 ** 31 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`${op}: alignment must be a power of two between 1 and 2^31, got ${alignment}`);
  }
}

export function optionInteger(name: string, value: unknown, fallback: number, min: number, max: number, op = 'createHeap'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${op}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${op}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

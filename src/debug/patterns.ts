/**
 * The byte patterns debug mode writes, a fill for them, and a fast scan for the first byte that
 * differs from one. The values are those AddressSanitizer uses (0xbe for fresh
 * malloc memory; 0xfa / 0xfd are its shadow codes for heap redzones / freed memory),
 * so a hex dump reads the same to someone who knows ASan.
 *
 * A pattern cannot tell a write of the pattern value itself from no write: a
 * program that stores 0xfa into a redzone is only caught by the checked accessor.
 */

/** Fresh malloc memory: not zero, so reading it by mistake shows. */
export const GARBAGE_BYTE = 0xbe;
/** Redzones around every block. */
export const REDZONE_BYTE = 0xfa;
/** The payload of a freed block, while in quarantine. */
export const FREED_BYTE = 0xfd;

/**
 * The float64 whose 8 bytes are all `byte`, per byte value; NaN where word compares
 * and word stores would be wrong: 0x00 (the word +0 equals -0, whose top byte is 0x80)
 * and 0xff (a NaN, never equal, and its bits may be canonicalized on store). Every
 * other such word is an ordinary double, so `===` on it compares bits.
 */
const PATTERN_WORDS: Float64Array = (() => {
  const words = new Float64Array(256);
  const bytes = new Uint8Array(words.buffer);
  for (let b = 0; b < 256; b++) bytes.fill(b, b * 8, b * 8 + 8);
  words[0] = Number.NaN;
  words[0xff] = Number.NaN;
  return words;
})();

function patternWord(byte: number): number {
  return PATTERN_WORDS[byte & 0xff] as number;
}

/** Below this length fillPattern stores words in JS: a call to TypedArray#fill costs more. */
const NATIVE_FILL_MIN_BYTES = 128;

/**
 * Writes `byte` over [from, to), like u8.fill, which it calls for long ranges; short ones
 * (redzones, small payloads) are written as whole float64 words where aligned, bytes at
 * the ends. `f64` must view the same buffer as `u8`.
 */
export function fillPattern(u8: Uint8Array, f64: Float64Array, from: number, to: number, byte: number): void {
  const word = patternWord(byte);
  if (to - from >= NATIVE_FILL_MIN_BYTES || Number.isNaN(word)) {
    u8.fill(byte, from, to);
    return;
  }
  let a = from;
  const firstWord = Math.min(to, from + ((8 - (from & 7)) & 7));
  for (; a < firstWord; a++) u8[a] = byte;
  const wordEnd = Math.floor(to / 8);
  let w = a / 8;
  for (; w < wordEnd; w++) f64[w] = word;
  for (a = Math.max(a, wordEnd * 8); a < to; a++) u8[a] = byte;
}

/**
 * First address in [from, to) whose byte is not `byte`, or -1. Long ranges are compared
 * natively (memcmp) where the platform offers it; shorter ones, and the chunk holding a
 * difference, in JS. `f64` must view the same buffer as `u8`. Only the part of the range
 * inside the memory is read.
 */
export function findNot(u8: Uint8Array, f64: Float64Array, from: number, to: number, byte: number): number {
  if (to > u8.length) to = u8.length;
  if (from < 0) from = 0;
  if (to - from >= NATIVE_MIN_BYTES && nativeCompare !== null) {
    const pattern = patternBytes(byte);
    for (let a = from; a < to; a += PATTERN_BYTES) {
      const b = Math.min(to, a + PATTERN_BYTES);
      if (nativeCompare.call(u8, pattern, 0, b - a, a, b) !== 0) return findNotInJs(u8, f64, a, b, byte);
    }
    return -1;
  }
  return findNotInJs(u8, f64, from, to, byte);
}

/**
 * findNot in JS. Whole 8-byte words are compared as float64 where the range allows
 * (see PATTERN_WORDS: equality of those doubles is equality of bits, so a changed byte
 * anywhere in the word shows); bytewise for the patterns 0x00 and 0xff.
 */
function findNotInJs(u8: Uint8Array, f64: Float64Array, from: number, to: number, byte: number): number {
  let a = from;
  const firstWord = from + ((8 - (from & 7)) & 7);
  for (; a < to && a < firstWord; a++) if (u8[a] !== byte) return a;
  const word = patternWord(byte);
  const wordEnd = Number.isNaN(word) ? 0 : Math.floor(to / 8);
  let w = a / 8;
  // Four words per step while no difference shows (the common case); then word by word.
  for (; w + 4 <= wordEnd; w += 4) {
    if (f64[w] !== word || f64[w + 1] !== word || f64[w + 2] !== word || f64[w + 3] !== word) break;
  }
  for (; w < wordEnd; w++) {
    if (f64[w] !== word) {
      const b = w * 8;
      for (let j = 0; j < 8; j++) if (u8[b + j] !== byte) return b + j;
    }
  }
  for (a = Math.max(a, wordEnd * 8); a < to; a++) if (u8[a] !== byte) return a;
  return -1;
}

/**
 * Node's Buffer#compare with offsets is memcmp over any Uint8Array (ArrayBuffer,
 * SharedArrayBuffer, resizable, Wasm memory): about 10x faster per byte than the JS loop,
 * but each call costs some 50 ns of argument checks, so it only pays from ~1 KiB on
 * (measured: the JS loop is ~0.08 ns/byte, memcmp ~0.01 ns/byte + the call). Elsewhere
 * (browsers) it is null and the JS loop does all the work.
 */
type CompareFn = (this: Uint8Array, target: Uint8Array, targetStart: number, targetEnd: number, sourceStart: number, sourceEnd: number) => number;
const NATIVE_MIN_BYTES = 1024;
/** Bytes compared per native call: the length of the pattern arrays. */
const PATTERN_BYTES = 64 * 1024;
const nativeCompare: CompareFn | null = detectNativeCompare();
const PATTERN_ARRAYS = new Map<number, Uint8Array>();

function detectNativeCompare(): CompareFn | null {
  const fn = (globalThis as { Buffer?: { prototype?: { compare?: unknown } } }).Buffer?.prototype?.compare;
  if (typeof fn !== 'function') return null;
  try {
    const compare = fn as CompareFn;
    const a = new Uint8Array([1, 2, 3, 4]);
    const same = compare.call(a, new Uint8Array([9, 2, 3]), 1, 3, 1, 3) === 0;
    const differs = compare.call(a, new Uint8Array([2, 9]), 0, 2, 1, 3) !== 0;
    return same && differs ? compare : null;
  } catch {
    return null;
  }
}

/** PATTERN_BYTES copies of `byte` (made on first use). */
function patternBytes(byte: number): Uint8Array {
  let p = PATTERN_ARRAYS.get(byte);
  if (p === undefined) PATTERN_ARRAYS.set(byte, p = new Uint8Array(PATTERN_BYTES).fill(byte));
  return p;
}

/** Last address in [from, to) whose byte is not `byte` (the one nearest `to`), or -1. Short ranges only (left redzones). */
export function findNotFromEnd(u8: Uint8Array, from: number, to: number, byte: number): number {
  for (let a = Math.min(to, u8.length) - 1; a >= Math.max(from, 0); a--) if (u8[a] !== byte) return a;
  return -1;
}

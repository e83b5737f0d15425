/**
 * The byte pattern the verifying replay writes into every block, so that any byte a
 * block loses (overlap, a header written into a payload, a realloc that copied too
 * little) shows up when the block is checked.
 *
 *   byte k of the block of id  =  (id * 31 + k) & 255
 *
 * Blocks are 8-aligned, so the bulk of the work is done a 32-bit word at a time:
 * the expected word at payload offset k depends only on ((id * 31 + k) & 255), and the
 * 4 possible byte phases of a word are precomputed below (256 bytes of pattern each).
 */

const PATTERN_PERIOD = 256;
/**
 * RAMP_WORDS[phase][w] = the 4 bytes (phase + 4w + j) & 255 for j = 0..3, packed in the
 * platform's byte order (the same order a Uint32Array over the heap uses), so that a
 * block whose pattern starts at byte value `start` has, at payload offset k (k % 4 == 0),
 * the word RAMP_WORDS[start & 3][((start & ~3) + k) & 255) >> 2].
 */
const RAMP_WORDS: readonly Uint32Array[] = [0, 1, 2, 3].map((phase) => {
  const bytes = new Uint8Array(PATTERN_PERIOD);
  for (let i = 0; i < PATTERN_PERIOD; i++) bytes[i] = (phase + i) & 255;
  return new Uint32Array(bytes.buffer);
});

/** The pattern byte at payload offset k of the block of `id`. */
export function patternByte(id: number, k: number): number {
  return (Math.imul(id, 31) + k) & 255;
}

/**
 * Writes the pattern of `id` into payload bytes [from, to) of the block at `ptr`.
 * `ptr` must be 4-aligned (payloads are 8-aligned) and the range inside the views.
 */
export function fillPattern(u8: Uint8Array, u32: Uint32Array, ptr: number, id: number, from: number, to: number): void {
  const start = Math.imul(id, 31) & 255;
  let k = from;
  for (; k < to && (k & 3) !== 0; k++) u8[ptr + k] = (start + k) & 255;
  const ramp = RAMP_WORDS[start & 3] as Uint32Array;
  const base = start & ~3;
  const wordEnd = to & ~3;
  for (; k < wordEnd; k += 4) u32[(ptr + k) >>> 2] = ramp[((base + k) & 255) >>> 2] as number;
  for (; k < to; k++) u8[ptr + k] = (start + k) & 255;
}

/**
 * First payload offset in [from, to) of the block at `ptr` whose byte differs from the
 * pattern of `id`, or -1 if all match. Same alignment rules as fillPattern.
 */
export function findPatternMismatch(
  u8: Uint8Array, u32: Uint32Array, ptr: number, id: number, from: number, to: number,
): number {
  const start = Math.imul(id, 31) & 255;
  let k = from;
  for (; k < to && (k & 3) !== 0; k++) if (u8[ptr + k] !== ((start + k) & 255)) return k;
  const ramp = RAMP_WORDS[start & 3] as Uint32Array;
  const base = start & ~3;
  const wordEnd = to & ~3;
  for (; k < wordEnd; k += 4) {
    if (u32[(ptr + k) >>> 2] !== ramp[((base + k) & 255) >>> 2]) {
      // Name the exact byte inside the word.
      for (let j = 0; j < 4; j++) if (u8[ptr + k + j] !== ((start + k + j) & 255)) return k + j;
    }
  }
  for (; k < to; k++) if (u8[ptr + k] !== ((start + k) & 255)) return k;
  return -1;
}

/**
 * Size classes shared by the page-based heaps (src/alloc/pages, src/threads): block sizes
 * `step` bytes apart up to `linearMax`, then `perDoubling` classes per power of two up to
 * `max`, so that rounding a request up to its class wastes at most 1/perDoubling of it above
 * linearMax (jemalloc's and mimalloc's spacing).
 */

/**
 * The class sizes, ascending: min, min+step, ..., linearMax, then linearMax·(1 + k/perDoubling)
 * for k = 1..perDoubling, doubling, up to max. linearMax and max are powers of two, both
 * multiples of perDoubling's spacing.
 */
export function sizeClasses(min: number, step: number, linearMax: number, perDoubling: number, max: number): number[] {
  const out: number[] = [];
  for (let s = min; s <= linearMax; s += step) out.push(s);
  for (let base = linearMax; base < max; base *= 2) {
    for (let k = 1; k <= perDoubling; k++) out.push(base + (k * base) / perDoubling);
  }
  return out;
}

/**
 * A lookup table from a size's 8-byte granule count, ceil(n / 8), to the smallest class that
 * holds n bytes, for 0 <= n <= the largest class: one load per lookup on the malloc path.
 */
export function classTable(sizes: readonly number[]): Uint8Array {
  const max = sizes[sizes.length - 1];
  if (sizes.length > 255) throw new RangeError(`classTable: ${sizes.length} classes do not fit a byte`);
  const table = new Uint8Array((max >>> 3) + 1);
  let c = 0;
  for (let g = 0; g < table.length; g++) {
    while (sizes[c] < g * 8) c++;
    table[g] = c;
  }
  return table;
}

/**
 * The churn workload of issue #16: rounds of 500-3,500 mallocs of 1-2,000 bytes (one in ten
 * up to 60,000), each block touched at both ends, then every block freed in allocation order.
 * The heap empties and refills every round: a backing that shrinks on every emptying and grows
 * again on every refill thrashes. Deterministic (a fixed LCG), so tests can count resizes and
 * bench/churn.ts can time it.
 */

/** The part of the Heap API the workload uses. */
export interface ChurnHeap {
  malloc(size: number): number;
  free(ptr: number): void;
  readonly u8: Uint8Array;
}

/** Runs `rounds` rounds; returns the number of malloc + free calls made. */
export function churn(heap: ChurnHeap, rounds: number, seed = 1): number {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const ptrs = new Float64Array(3500);
  let ops = 0;
  for (let round = 0; round < rounds; round++) {
    const n = 500 + Math.floor(next() * 3001);
    for (let i = 0; i < n; i++) {
      const size = 1 + Math.floor(next() * (next() < 0.1 ? 60000 : 2000));
      const p = heap.malloc(size);
      if (p === 0) throw new Error(`churn: malloc(${size}) returned 0 in round ${round}`);
      const u8 = heap.u8;
      u8[p] = i;
      u8[p + size - 1] = i;
      ptrs[i] = p;
    }
    for (let i = 0; i < n; i++) heap.free(ptrs[i] as number);
    ops += 2 * n;
  }
  return ops;
}

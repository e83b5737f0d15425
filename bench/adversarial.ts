/**
 * Adversarial traces: the workloads that show each policy's worst case, as in-memory
 * traces (src/trace/types.ts) the replay and the benchmark run like any other.
 *
 *   firstFitHoles     many small holes in front of a large request: first-fit (and
 *                     best-fit, next-fit) examine every hole on each large request, so the
 *                     work per operation grows with the number of holes
 *   buddyJustAbove    sizes just above a power of two: the buddy system rounds each up to the
 *                     next power, so almost half of every block is waste (utilization ~50%)
 */
import { OP_ALLOC, OP_FREE, type Trace } from '../src/trace/types.js';

/** Builds a trace from a list of ops; ids are what the ops name, sizes 0 for frees. */
function traceOf(source: string, ops: readonly (readonly [kind: number, id: number, size: number])[]): Trace {
  const kinds = new Uint8Array(ops.length);
  const ids = new Uint32Array(ops.length);
  const sizes = new Float64Array(ops.length);
  let idCount = 0;
  let live = 0;
  let peak = 0;
  const sizeOf = new Map<number, number>();
  ops.forEach(([kind, id, size], i) => {
    kinds[i] = kind;
    ids[i] = id;
    sizes[i] = size;
    idCount = Math.max(idCount, id + 1);
    if (kind === OP_ALLOC) { sizeOf.set(id, size); live += size; } else { live -= sizeOf.get(id) ?? 0; sizeOf.delete(id); }
    peak = Math.max(peak, live);
  });
  return { source, suggestedHeapSize: peak, idCount, weight: 1, length: ops.length, kinds, ids, sizes };
}

/**
 * `holes` small free blocks (holeSize bytes, each between two live blocks), then `rounds`
 * requests of `largeSize` bytes, each freed before the next: every large request walks past
 * every hole on a single free list.
 */
export function firstFitHoles(holes = 2000, rounds = 200, holeSize = 16, largeSize = 4096): Trace {
  const ops: [number, number, number][] = [];
  for (let i = 0; i < 2 * holes; i++) ops.push([OP_ALLOC, i, holeSize]);
  for (let i = 0; i < 2 * holes; i += 2) ops.push([OP_FREE, i, 0]);
  const big = 2 * holes;
  for (let r = 0; r < rounds; r++) {
    ops.push([OP_ALLOC, big, largeSize]);
    ops.push([OP_FREE, big, 0]);
  }
  for (let i = 1; i < 2 * holes; i += 2) ops.push([OP_FREE, i, 0]);
  return traceOf(`adversarial:first-fit-holes-${holes}`, ops);
}

/**
 * `perOrder` live blocks of 2^k + 1 bytes for k from minLog to maxLog, then all freed:
 * each request is just above a power of two, so a power-of-two allocator doubles it.
 */
export function buddyJustAbove(perOrder = 200, minLog = 4, maxLog = 14): Trace {
  const ops: [number, number, number][] = [];
  let id = 0;
  for (let k = minLog; k <= maxLog; k++) for (let i = 0; i < perOrder; i++) ops.push([OP_ALLOC, id++, 2 ** k + 1]);
  for (let i = 0; i < id; i++) ops.push([OP_FREE, i, 0]);
  return traceOf(`adversarial:buddy-just-above-${perOrder}`, ops);
}

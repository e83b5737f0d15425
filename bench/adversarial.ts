/**
 * Adversarial traces: the workloads that show each policy's worst case, as in-memory
 * traces (src/trace/types.ts) the replay and the benchmark run like any other.
 *
 *   firstFitHoles     many small holes in front of a large request: first-fit (and
 *                     best-fit, next-fit) examine every hole on each large request, so the
 *                     work per operation grows with the number of holes
 *   buddyJustAbove    sizes just above a power of two: the buddy system rounds each up to the
 *                     next power, so almost half of every block is waste (utilization ~50%)
 *   sameSizeList      many free blocks of one size in one list, then requests a little larger
 *                     that map to the same list: a best-fit scan of that list (segfit's large
 *                     bins) examines blocks that cannot serve it, up to its scan bound
 *   onePerPage        many small blocks, then all but every k-th freed: a policy that keeps
 *                     pages per size class (pages) holds a page for each survivor
 *   sizeSweep         one live block of every size class from 16 bytes to 64 KiB, freed and
 *                     reallocated in a rotating order: exercises every list and bitmap word
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

/**
 * `count` free blocks of `size` bytes (each between live 16-byte separators, so they cannot
 * merge), then `rounds` requests of `size + step` bytes, each freed before the next.
 */
export function sameSizeList(count = 2000, rounds = 200, size = 1000, step = 8): Trace {
  const ops: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    ops.push([OP_ALLOC, 2 * i, size]);
    ops.push([OP_ALLOC, 2 * i + 1, 16]);
  }
  for (let i = 0; i < count; i++) ops.push([OP_FREE, 2 * i, 0]);
  const big = 2 * count;
  for (let r = 0; r < rounds; r++) {
    ops.push([OP_ALLOC, big, size + step]);
    ops.push([OP_FREE, big, 0]);
  }
  for (let i = 0; i < count; i++) ops.push([OP_FREE, 2 * i + 1, 0]);
  return traceOf(`adversarial:same-size-list-${count}`, ops);
}

/** `count` blocks of each of a few small sizes, then every block freed but every `keep`-th. */
export function onePerPage(count = 4000, keep = 64, sizes: readonly number[] = [24, 40, 72, 136]): Trace {
  const ops: [number, number, number][] = [];
  let id = 0;
  for (const s of sizes) for (let i = 0; i < count; i++) ops.push([OP_ALLOC, id++, s]);
  for (let i = 0; i < id; i++) if (i % keep !== 0) ops.push([OP_FREE, i, 0]);
  for (let i = 0; i < id; i += keep) ops.push([OP_FREE, i, 0]);
  return traceOf(`adversarial:one-per-page-${count}`, ops);
}

/**
 * One live block of each size 2^k and 2^k * 1.5 for k in [4, 16), then `rounds` passes that
 * free and reallocate them in a rotating order.
 */
export function sizeSweep(rounds = 50): Trace {
  const sizes: number[] = [];
  for (let k = 4; k < 16; k++) sizes.push(2 ** k, 3 * 2 ** (k - 1));
  const ops: [number, number, number][] = [];
  sizes.forEach((s, i) => ops.push([OP_ALLOC, i, s]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < sizes.length; j++) {
      const i = (j * 7 + r) % sizes.length;
      ops.push([OP_FREE, i, 0]);
      ops.push([OP_ALLOC, i, sizes[(i + r) % sizes.length]]);
    }
  }
  sizes.forEach((_, i) => ops.push([OP_FREE, i, 0]));
  return traceOf(`adversarial:size-sweep-${rounds}`, ops);
}

/** Every generator with the arguments the benchmark uses, small and large where the size matters. */
export function adversarialTraces(): Trace[] {
  return [
    firstFitHoles(500), firstFitHoles(4000),
    sameSizeList(500), sameSizeList(4000),
    buddyJustAbove(200),
    onePerPage(4000),
    sizeSweep(),
  ];
}

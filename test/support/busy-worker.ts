/**
 * Worker of test/concurrent-use.test.ts: attaches a plain Heap (attachHeap, no threadId)
 * to a heap in shared memory and hammers it with malloc / free while another worker does
 * the same. Compiled to .build/test/support/busy-worker.js.
 *
 * Control words (Int32Array over workerData.control): [0] workers ready (a start barrier,
 * so both really run at once), [1] stop (set by whichever worker sees CONCURRENT_USE).
 * It keeps up to 16 blocks, each filled with a pattern that is verified before it is freed
 * and at the end; it stops at the first CONCURRENT_USE (or the other's stop, or after
 * `iterations` calls) and posts what it found and the blocks it still holds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap, heapErrorCode } from '../../src/index.js';

export interface BusyWorkerData {
  memory: SharedArrayBuffer;
  control: SharedArrayBuffer;
  index: number;
  workers: number;
  iterations: number;
}

export interface BusyWorkerResult {
  calls: number;
  /** The first CONCURRENT_USE message, or null. */
  refused: string | null;
  /** Blocks whose bytes another thread changed, and errors of any other kind. */
  damaged: string[];
  /** Blocks still held: [pointer, size, fill]. */
  held: Array<[number, number, number]>;
}

if (parentPort !== null && (workerData as { kind?: string })?.kind === 'busy') {
  const data = workerData as BusyWorkerData & { kind: string };
  const control = new Int32Array(data.control);
  try {
    hammer(data, control);
  } catch (e) {
    Atomics.store(control, 1, 1); // the other worker must not wait for this one
    throw e;
  }
}

function hammer(data: BusyWorkerData, control: Int32Array): void {
  const heap = attachHeap(data.memory);
  const held: Array<[number, number, number]> = [];
  const result: BusyWorkerResult = { calls: 0, refused: null, damaged: [], held };
  const fillOf = (i: number): number => ((data.index + 1) * 64 + i * 7) & 255 || 1;
  const intact = ([p, n, fill]: [number, number, number]): boolean => {
    const u8 = heap.u8;
    for (let k = 0; k < n; k++) if (u8[p + k] !== fill) return false;
    return true;
  };
  Atomics.add(control, 0, 1);
  while (Atomics.load(control, 0) < data.workers && Atomics.load(control, 1) === 0) { /* start together */ }
  let x = data.index * 7919 + 1;
  for (let i = 0; i < data.iterations && Atomics.load(control, 1) === 0; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    try {
      result.calls++;
      if (held.length < 16 && (x & 1) === 0) {
        const n = 8 + ((x >>> 8) % 600);
        const p = heap.malloc(n);
        if (p !== 0) {
          const fill = fillOf(i);
          heap.u8.fill(fill, p, p + n);
          held.push([p, n, fill]);
        }
      } else if (held.length > 0) {
        const b = held[(x >>> 4) % held.length] as [number, number, number];
        if (!intact(b)) result.damaged.push(`block ${b[0]} (${b[1]} bytes) was overwritten`);
        heap.free(b[0]);
        held.splice(held.indexOf(b), 1);
      }
    } catch (e) {
      if (heapErrorCode(e) === 'CONCURRENT_USE') {
        result.refused = (e as Error).message;
        Atomics.store(control, 1, 1);
        break;
      }
      result.damaged.push(String(e));
      break;
    }
  }
  for (const b of held) if (!intact(b)) result.damaged.push(`block ${b[0]} (${b[1]} bytes) was overwritten`);
  parentPort!.postMessage(result);
}

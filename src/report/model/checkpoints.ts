/**
 * Checkpoints of a heap: the heap lives in one buffer, so a copy of that buffer is the
 * whole allocator state, and attachHeap over a fresh copy continues from there.
 *
 * A copy restores into memory of the same kind that can keep growing: a 'resizable'
 * ArrayBuffer or a WebAssembly.Memory. ('arraybuffer' heaps are not used by the report:
 * an attached plain ArrayBuffer cannot grow.)
 */
import { attachHeap, type BackingKind, type Heap } from '../../index.js';

const WASM_PAGE = 65536;

export interface Checkpoint {
  /** Ops applied before the copy was taken. */
  readonly op: number;
  /** The heap's bytes up to its break (every block lies below it; the rest is unused capacity). */
  readonly bytes: Uint8Array;
  /** The backing's byteLength at the copy, restored as such. */
  readonly capacity: number;
}

/** The backing kinds a report session can checkpoint and restore. */
export const CHECKPOINTABLE: readonly BackingKind[] = ['resizable', 'wasm'];

export function takeCheckpoint(heap: Heap, op: number): Checkpoint {
  const memory = heap.memory;
  const buffer = memory instanceof WebAssembly.Memory ? memory.buffer : memory;
  const brk = heap.stats().heapSize;
  return { op, bytes: new Uint8Array(buffer, 0, brk).slice(), capacity: buffer.byteLength };
}

export function restoreCheckpoint(cp: Checkpoint, kind: BackingKind, maxSize: number): Heap {
  if (kind === 'wasm') {
    const memory = new WebAssembly.Memory({ initial: cp.capacity / WASM_PAGE, maximum: Math.floor(maxSize / WASM_PAGE) });
    new Uint8Array(memory.buffer).set(cp.bytes);
    return attachHeap(memory);
  }
  const buffer = new ArrayBuffer(cp.capacity, { maxByteLength: maxSize });
  new Uint8Array(buffer).set(cp.bytes);
  return attachHeap(buffer);
}

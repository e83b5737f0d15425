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

/** A fresh WebAssembly.Memory for a heap from `base` up (the pages below it stand for a module's data). */
export function memoryAbove(base: number, maxSize: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil(base / WASM_PAGE) + 1, maximum: Math.floor(maxSize / WASM_PAGE) });
}

export function takeCheckpoint(heap: Heap, op: number): Checkpoint {
  const memory = heap.memory;
  const buffer = memory instanceof WebAssembly.Memory ? memory.buffer : memory;
  const brk = heap.stats().heapSize;
  return { op, bytes: new Uint8Array(buffer, 0, brk).slice(), capacity: buffer.byteLength };
}

/** `base`: where the heap starts in its memory (a Wasm module's heap; 'wasm' only). */
export function restoreCheckpoint(cp: Checkpoint, kind: BackingKind, maxSize: number, base = 0): Heap {
  if (kind === 'wasm') {
    const memory = new WebAssembly.Memory({ initial: cp.capacity / WASM_PAGE, maximum: Math.floor(maxSize / WASM_PAGE) });
    new Uint8Array(memory.buffer).set(cp.bytes);
    return attachHeap(memory, { base });
  }
  const buffer = new ArrayBuffer(cp.capacity, { maxByteLength: maxSize });
  new Uint8Array(buffer).set(cp.bytes);
  return attachHeap(buffer);
}

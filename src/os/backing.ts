/**
 * Backing memory: the one linear byte space a heap lives in, and the only
 * place that knows how each kind grows or shrinks.
 *
 *   kind         grows               shrinks   survives growth (attach)
 *   arraybuffer  by copying          no        no: the old buffer is detached
 *   resizable    in place (resize)   yes       yes: same ArrayBuffer object
 *   shared       in place (grow)     no        yes: same SharedArrayBuffer
 *   wasm         memory.grow (64K)   no        yes: same WebAssembly.Memory
 *
 * Views over the memory must be fixed-length (`new Uint32Array(buf, 0, n)`):
 * length-tracking views over growable buffers are 15-20x slower (DESIGN.md).
 */
import { HeapError } from '../base/errors.js';
import type { BackingKind } from '../base/types.js';

export const WASM_PAGE = 65536;
/** Offsets are unsigned 32-bit: one heap spans at most 4 GiB. */
export const MAX_ADDRESS_SPACE = 2 ** 32;

export type RawBuffer = ArrayBuffer | SharedArrayBuffer;

export interface Backing {
  readonly kind: BackingKind;
  /** The current buffer (for 'arraybuffer' and non-shared 'wasm' it changes on growth). */
  readonly buffer: RawBuffer;
  /** What the user gets as `heap.memory`. */
  readonly memory: ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory;
  readonly byteLength: number;
  /** Largest byteLength this backing can reach. */
  readonly maxByteLength: number;
  readonly canShrink: boolean;
  /** Resize to exactly `bytes` (rounded up to the backing's own unit). Returns false if impossible. */
  resize(bytes: number): boolean;
}

class ArrayBufferBacking implements Backing {
  readonly kind = 'arraybuffer' as const;
  readonly canShrink = false;
  buffer: ArrayBuffer;
  constructor(initial: number, readonly maxByteLength: number, existing?: ArrayBuffer) {
    this.buffer = existing ?? new ArrayBuffer(initial);
  }
  get memory(): ArrayBuffer { return this.buffer; }
  get byteLength(): number { return this.buffer.byteLength; }
  resize(bytes: number): boolean {
    if (!isByteCount(bytes)) return false; // never NaN or a fraction: resize(NaN) would shrink to 0
    if (bytes <= this.buffer.byteLength) return false;
    if (bytes > this.maxByteLength) return false;
    let next: ArrayBuffer;
    try { next = new ArrayBuffer(bytes); } catch { return false; }
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    const old = this.buffer;
    this.buffer = next;
    // Detach the old buffer so a stale view fails loudly (length 0) instead of
    // silently reading memory that is no longer the heap.
    detach(old);
    return true;
  }
}

class ResizableBacking implements Backing {
  readonly kind = 'resizable' as const;
  readonly canShrink = true;
  readonly buffer: ArrayBuffer;
  constructor(initial: number, maxByteLength: number, existing?: ArrayBuffer) {
    this.buffer = existing ?? new ArrayBuffer(initial, { maxByteLength });
  }
  get memory(): ArrayBuffer { return this.buffer; }
  get byteLength(): number { return this.buffer.byteLength; }
  get maxByteLength(): number { return this.buffer.maxByteLength; }
  resize(bytes: number): boolean {
    if (!isByteCount(bytes)) return false; // never NaN or a fraction: resize(NaN) would shrink to 0
    if (bytes > this.buffer.maxByteLength) return false;
    try { this.buffer.resize(bytes); } catch { return false; }
    return true;
  }
}

class SharedBacking implements Backing {
  readonly kind = 'shared' as const;
  readonly canShrink = false;
  readonly buffer: SharedArrayBuffer;
  constructor(initial: number, maxByteLength: number, existing?: SharedArrayBuffer) {
    this.buffer = existing ?? new SharedArrayBuffer(initial, { maxByteLength });
  }
  get memory(): SharedArrayBuffer { return this.buffer; }
  get byteLength(): number { return this.buffer.byteLength; }
  get maxByteLength(): number { return this.buffer.growable ? this.buffer.maxByteLength : this.buffer.byteLength; }
  resize(bytes: number): boolean {
    if (!isByteCount(bytes)) return false; // never NaN or a fraction: resize(NaN) would shrink to 0
    if (bytes <= this.buffer.byteLength) return false;
    if (!this.buffer.growable || bytes > this.buffer.maxByteLength) return false;
    try { this.buffer.grow(bytes); } catch { return false; }
    return true;
  }
}

class WasmBacking implements Backing {
  readonly kind = 'wasm' as const;
  readonly canShrink = false;
  readonly memory: WebAssembly.Memory;
  constructor(initial: number, readonly maxByteLength: number, existing?: WebAssembly.Memory) {
    this.memory = existing ?? new WebAssembly.Memory({
      initial: Math.ceil(initial / WASM_PAGE),
      maximum: Math.floor(maxByteLength / WASM_PAGE),
    });
  }
  get buffer(): RawBuffer { return this.memory.buffer; }
  get byteLength(): number { return this.memory.buffer.byteLength; }
  resize(bytes: number): boolean {
    if (!isByteCount(bytes)) return false; // never NaN or a fraction: resize(NaN) would shrink to 0
    const have = this.memory.buffer.byteLength;
    if (bytes <= have || bytes > this.maxByteLength) return false;
    try { this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE)); } catch { return false; }
    return true;
  }
}

function detach(buffer: ArrayBuffer): void {
  const clone = (globalThis as { structuredClone?: (v: unknown, o: unknown) => unknown }).structuredClone;
  if (clone) {
    try { clone(buffer, { transfer: [buffer] }); } catch { /* not transferable here: leave it */ }
  }
}

/** The unit in which a backing's byteLength moves (used to round growth requests). */
export function backingUnit(kind: BackingKind): number {
  return kind === 'wasm' ? WASM_PAGE : 4096;
}

export function createBacking(kind: BackingKind, initial: number, maxSize: number, memory?: WebAssembly.Memory): Backing {
  try {
    switch (kind) {
      case 'arraybuffer': return new ArrayBufferBacking(initial, maxSize);
      case 'resizable': return new ResizableBacking(initial, maxSize);
      case 'shared': return new SharedBacking(initial, maxSize);
      case 'wasm': {
        if (memory) return new WasmBacking(initial, Math.min(maxSize, MAX_ADDRESS_SPACE), memory);
        return new WasmBacking(initial, maxSize);
      }
    }
  } catch (e) {
    throw new HeapError(`cannot create a '${kind}' backing of ${initial} bytes (max ${maxSize}): ${(e as Error).message}`);
  }
  throw new RangeError(`unknown backing '${String(kind)}'`);
}

/** Wraps memory that already holds a heap (attach). */
export function wrapBacking(memory: unknown): Backing {
  if (memory instanceof WebAssembly.Memory) {
    // The JS API does not expose a memory's maximum: growth beyond it simply
    // fails (resize returns false), so the 32-bit limit is all we record.
    return new WasmBacking(memory.buffer.byteLength, MAX_ADDRESS_SPACE, memory);
  }
  if (typeof SharedArrayBuffer !== 'undefined' && memory instanceof SharedArrayBuffer) {
    return new SharedBacking(memory.byteLength, memory.byteLength, memory);
  }
  if (memory instanceof ArrayBuffer) {
    if (memory.resizable) return new ResizableBacking(memory.byteLength, memory.maxByteLength, memory);
    return new ArrayBufferBacking(memory.byteLength, memory.byteLength, memory);
  }
  throw new HeapError(`attachHeap: memory must be an ArrayBuffer, a SharedArrayBuffer or a WebAssembly.Memory, got ${describeValue(memory)}`, 'BAD_HEAP_MEMORY');
}

/** A byte count a backing may be resized to: a non-negative safe integer. */
function isByteCount(bytes: number): boolean {
  return Number.isSafeInteger(bytes) && bytes >= 0;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}

/**
 * Typed errors of heapflow. Every class extends `HeapError` and carries a stable
 * `code` string. The message starts with the code in brackets
 * ("[DOUBLE_FREE] free(64): ..."), because structuredClone / postMessage keep
 * only an error's message: `heapErrorCode(err)` reads the code from either.
 *
 * Contract: an error is thrown *before* anything in the heap changes, so after
 * catching one, `heap.check()` passes and every live block is intact.
 */

export type HeapErrorCode =
  | 'HEAP_ERROR'
  | 'INVALID_POINTER'
  | 'DOUBLE_FREE'
  | 'OUT_OF_MEMORY'
  | 'HEAP_CORRUPTION'
  | 'BAD_HEAP_MEMORY'
  /** Debug mode (src/debug): every misuse it finds; `err.report.kind` says which. */
  | 'HEAP_DEBUG';

export class HeapError extends Error {
  readonly code: HeapErrorCode;
  constructor(message: string, code: HeapErrorCode = 'HEAP_ERROR') {
    super(`[${code}] ${message}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The heapflow error code of `err`: its `code`, or the one its message starts with (after postMessage). */
export function heapErrorCode(err: unknown): HeapErrorCode | undefined {
  if (err instanceof HeapError) return err.code;
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  const m = message !== undefined ? /^\[([A-Z_]+)\] /.exec(message) : null;
  return m ? (m[1] as HeapErrorCode) : undefined;
}

/** free/realloc/usableSize of something that is not the start of a live block. */
export class InvalidPointerError extends HeapError {
  readonly pointer: unknown;
  constructor(operation: string, pointer: unknown, reason: string) {
    super(`${operation}(${describePointer(pointer)}): invalid pointer: ${reason}`, 'INVALID_POINTER');
    this.pointer = pointer;
  }
}

/** The pointer is the start of a block that is already free. */
export class DoubleFreeError extends HeapError {
  readonly pointer: number;
  constructor(operation: string, pointer: number) {
    super(`${operation}(${pointer}): double free: the block at ${pointer} is already free`, 'DOUBLE_FREE');
    this.pointer = pointer;
  }
}

/** A valid request that cannot be satisfied, thrown only with `onOutOfMemory: 'throw'`. */
export class OutOfMemoryError extends HeapError {
  readonly requested: number;
  constructor(operation: string, requested: number, reason: string) {
    super(`${operation}: out of memory: cannot allocate ${requested} bytes (${reason})`, 'OUT_OF_MEMORY');
    this.requested = requested;
  }
}

/** `check()` found a broken invariant: names the block and the invariant. */
export class HeapCorruptionError extends HeapError {
  readonly block: number;
  readonly invariant: string;
  constructor(block: number, invariant: string) {
    super(`heap corruption at block ${block}: ${invariant}`, 'HEAP_CORRUPTION');
    this.block = block;
    this.invariant = invariant;
  }
}

export function describePointer(p: unknown): string {
  if (typeof p === 'number') return String(p);
  if (typeof p === 'bigint') return `${p}n`;
  if (typeof p === 'string') return JSON.stringify(p);
  if (p === null) return 'null';
  return typeof p;
}

/**
 * Typed errors of heapflow. Every class extends `HeapError` and carries a stable
 * `code` string. The message starts with the code in brackets
 * ("[DOUBLE_FREE] free(64): ..."), because structuredClone / postMessage keep
 * only an error's message: `heapErrorCode(err)` reads the code from either.
 *
 * Contract: an error is thrown *before* anything in the heap changes (a ListenerError
 * after the call completed), so after catching one, `heap.check()` passes and every
 * live block is intact.
 */

export type HeapErrorCode =
  | 'HEAP_ERROR'
  | 'INVALID_POINTER'
  | 'DOUBLE_FREE'
  | 'OUT_OF_MEMORY'
  | 'HEAP_CORRUPTION'
  | 'BAD_HEAP_MEMORY'
  /** An event listener threw during a call; the call completed first (ListenerError). */
  | 'LISTENER_ERROR'
  /** A heap made for one thread was entered by a second while a call was running (shared memory only). */
  | 'CONCURRENT_USE'
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

/**
 * An event listener threw while a call ran. The listener's exception is caught so that
 * the allocator never stops half-way; the call completes, and this error is thrown when
 * the outermost call returns. `result` is what the call returned: for malloc, calloc,
 * alignedAlloc and realloc a pointer that is live (or 0 when the call itself failed:
 * then the old block of a realloc is still live); undefined for free and the other calls,
 * which completed too. `cause` is the listener's exception, `event` the event type it
 * threw on (the first, if several listeners or events threw).
 */
export class ListenerError extends HeapError {
  readonly operation: string;
  readonly event: string;
  readonly result: number | undefined;
  override readonly cause: unknown;
  constructor(operation: string, event: string, result: number | undefined, cause: unknown) {
    const returned = result === undefined ? 'the call completed'
      : result === 0 ? 'the call completed and returned 0'
      : `the call completed and returned ${result}, which is live: free it when done`;
    super(`${operation}: an event listener threw on the '${event}' event (${describeCause(cause)}); ${returned}`, 'LISTENER_ERROR');
    this.operation = operation;
    this.event = event;
    this.result = result;
    this.cause = cause;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  try {
    return String(cause);
  } catch {
    return typeof cause;
  }
}

export function describePointer(p: unknown): string {
  if (typeof p === 'number') return String(p);
  if (typeof p === 'bigint') return `${p}n`;
  if (typeof p === 'string') return JSON.stringify(p);
  if (p === null) return 'null';
  return typeof p;
}

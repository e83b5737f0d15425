/** An allocation trace in memory: ops as parallel typed arrays (no object per op). */

export const OP_ALLOC = 0;
export const OP_FREE = 1;
export const OP_REALLOC = 2;
export type OpKind = typeof OP_ALLOC | typeof OP_FREE | typeof OP_REALLOC;

export interface Trace {
  /** Where it came from (the path as given), for messages. */
  source: string;
  /** Header line 1: the suggested heap size (informational only). */
  suggestedHeapSize: number;
  /** Header line 2: number of ids; every id is in [0, idCount). */
  idCount: number;
  /** Header line 4: the weight (ignored by replay). */
  weight: number;
  /** Source line of op 0, so that op i is on line firstOpLine + i (5 for .rep); absent if unknown. */
  firstOpLine?: number;
  /** Number of ops (header line 3). */
  length: number;
  /** OP_ALLOC | OP_FREE | OP_REALLOC per op. */
  kinds: Uint8Array;
  ids: Uint32Array;
  /** Requested size per op (0 for frees). */
  sizes: Float64Array;
}

/** A malformed trace: names file and line; the CLI prints it as one line and exits 2. */
export class TraceFormatError extends Error {
  readonly code = 'TRACE_FORMAT';
  constructor(readonly source: string, readonly line: number, detail: string) {
    super(`${source}:${line}: ${detail}`);
    this.name = 'TraceFormatError';
  }
}

/** The source line of op `opIndex`, for messages (0 when the trace does not know its lines). */
export function lineOfOp(trace: Trace, opIndex: number): number {
  return trace.firstOpLine === undefined ? 0 : trace.firstOpLine + opIndex;
}

/** The message for an id outside [0, idCount), shared by the parser and the liveness check. */
export function idOutOfRange(id: number, idCount: number): string {
  return `id ${id} out of range [0, ${idCount})`;
}

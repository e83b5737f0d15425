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
  /** What a captured or imported trace knows beyond `.rep` (absent for `.rep` files). */
  detail?: TraceDetail;
}

/** Site index of an op whose call site is unknown. */
export const NO_SITE = 0xffffffff;

/**
 * Per-op facts of a captured or imported trace (the `.hft` format, traces/README.md):
 * parallel to the ops, plus the tables the per-op indices point into.
 */
export interface TraceDetail {
  /** Requested alignment per op; 0 = the allocator's default (malloc, calloc, realloc, free). */
  aligns: Uint32Array;
  /** Monotonic time per op in nanoseconds from the first op; non-decreasing. */
  times: Float64Array;
  /** Thread index per op, into `threads`. */
  threadIndex: Uint32Array;
  /** Call-site index per op, into `sites`; NO_SITE when unknown. */
  siteIndex: Uint32Array;
  /** The operating system's thread id of each thread index (0 if unknown). */
  threads: number[];
  sites: CallSite[];
  /** Free-form facts about the recording: command, pid, source format, unknown frees… */
  meta: Record<string, string>;
}

/** Where an allocation was requested: a return address and what it resolves to. */
export interface CallSite {
  /** The return address as recorded (hex text, e.g. `0x55d0c3a1b2c4`), or '?' when unknown. */
  pc: string;
  /** `module+0xoffset` (stable across runs), or '?' when unknown. */
  module: string;
  /** The function, or '?' when not resolved. */
  fn: string;
  /** `file:line`, or '?' when there is no debug info. */
  location: string;
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

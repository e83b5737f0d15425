/**
 * Liveness rules of a trace, which the replay relies on to keep one slot per id:
 *   - `f id` and `r id` only on a live id (allocated and not freed since);
 *   - `a id` never on a live id.
 * Allocating an id again after its free is allowed (the format permits it).
 * The first broken rule is thrown as a TraceFormatError naming its line.
 */

import { idOutOfRange, lineOfOp, OP_ALLOC, OP_FREE, type Trace, TraceFormatError } from './types.js';

const NEVER = -1;

export function checkLiveness(trace: Trace): void {
  const { kinds, ids, sizes, idCount } = trace;
  const live = new Uint8Array(idCount);
  /** Op index of the most recent `f` of each id (NEVER if none), to say when a dead id died. */
  const freedAt = new Int32Array(idCount).fill(NEVER);

  for (let i = 0; i < trace.length; i++) {
    const id = ids[i] as number;
    const kind = kinds[i];
    if (id >= idCount) {
      throw new TraceFormatError(trace.source, lineOfOp(trace, i), idOutOfRange(id, idCount));
    }
    if (kind === OP_ALLOC) {
      if (live[id] === 1) {
        throw new TraceFormatError(trace.source, lineOfOp(trace, i),
          `'a ${id} ${sizes[i]}' allocates id ${id}, which is still live`);
      }
      live[id] = 1;
      continue;
    }
    if (live[id] === 0) {
      const op = kind === OP_FREE ? `f ${id}` : `r ${id} ${sizes[i]}`;
      const previousFree = freedAt[id] as number;
      const why = previousFree === NEVER
        ? 'it was never allocated'
        : `it was freed ${describeWhere(trace, previousFree)}`;
      throw new TraceFormatError(trace.source, lineOfOp(trace, i), `'${op}' on id ${id}, which is not live: ${why}`);
    }
    if (kind === OP_FREE) {
      live[id] = 0;
      freedAt[id] = i;
    }
  }
}

function describeWhere(trace: Trace, opIndex: number): string {
  const line = lineOfOp(trace, opIndex);
  return line > 0 ? `on line ${line}` : `by op ${opIndex}`;
}

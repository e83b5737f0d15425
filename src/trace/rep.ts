/**
 * The CS:APP malloc-lab `.rep` trace format: a strict parser and a writer.
 *
 *   <suggested heap size>   line 1  integer >= 0 (informational)
 *   <number of ids>         line 2  N: every id is in [0, N)
 *   <number of ops>         line 3  M: exactly M op lines follow
 *   <weight>                line 4  integer >= 0 (ignored)
 *   a <id> <size> | f <id> | r <id> <size>     lines 5 .. 4+M
 *
 * Tokens are separated by single spaces. Lines end in `\n` or `\r\n`; the last line may
 * or may not have one. Anything else (blank lines, tabs, signs, extra tokens, a count that
 * does not match the header) is a TraceFormatError naming the line.
 *
 * Browser-safe: no node: imports here (reading files lives in read-rep.ts).
 *
 * Speed: the parser walks char codes with `indexOf('\n')` per line and allocates nothing
 * per op; only when a line fails the fast checks does it build strings to explain why.
 */

import { idOutOfRange, OP_ALLOC, OP_FREE, OP_REALLOC, type Trace, TraceFormatError } from './types.js';

/** Op lines start on this line (after the 4 header lines). */
export const REP_FIRST_OP_LINE = 5;

const HEADER_FIELDS = ['suggested heap size', 'number of ids', 'number of ops', 'weight'] as const;

const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_0 = 48;
const CH_9 = 57;
const CH_A = 97; // 'a'
const CH_F = 102; // 'f'
const CH_R = 114; // 'r'

/** Ids are stored in a Uint32Array, so N (an exclusive bound) may be at most 2^32. */
const MAX_ID_COUNT = 2 ** 32;
/** Longest digit run that always fits exactly in a double (15 digits < 2^53). */
const SAFE_DIGITS = 15;

/**
 * Parses a `.rep` text. `source` (a path, usually) is only used in error messages.
 * Checks syntax, header consistency and id ranges; liveness is a separate check
 * (`checkLiveness`), since the format itself permits any op order.
 */
export function parseRep(text: string, source: string): Trace {
  const end = text.length;
  let pos = 0;
  let line = 0;

  // ---- header: four lines, one integer >= 0 each
  const header = [0, 0, 0, 0];
  for (let field = 0; field < 4; field++) {
    line++;
    if (pos >= end) {
      throw new TraceFormatError(source, line,
        `truncated header: expected the ${HEADER_FIELDS[field]} (an integer >= 0) on line ${line}, got end of file`);
    }
    const lineEnd = findLineEnd(text, pos, end);
    const contentEnd = stripCr(text, pos, lineEnd);
    const digitsEnd = scanDigits(text, pos, contentEnd);
    if (digitsEnd === pos || digitsEnd !== contentEnd || digitsEnd - pos > SAFE_DIGITS) {
      throw new TraceFormatError(source, line,
        `expected the ${HEADER_FIELDS[field]} (an integer >= 0), got '${clip(text.slice(pos, contentEnd))}'`);
    }
    header[field] = digitsValue(text, pos, digitsEnd);
    pos = lineEnd + 1;
  }
  const [suggestedHeapSize, idCount, opCount, weight] = header as [number, number, number, number];
  if (idCount > MAX_ID_COUNT) {
    throw new TraceFormatError(source, 2, `number of ids ${idCount} is too large (at most ${MAX_ID_COUNT})`);
  }

  // ---- ops. Capacity: never trust the header for an allocation size; n lines need at
  // least 4n - 1 chars ("f 0\n" is the shortest), which bounds what the file can hold.
  const capacity = Math.min(opCount, Math.floor((Math.max(0, end - pos) + 1) / 4));
  const kinds = new Uint8Array(capacity);
  const ids = new Uint32Array(capacity);
  const sizes = new Float64Array(capacity);
  let count = 0;
  /** 1 + the highest id the ops use: replay sizes its per-id arrays by this, never by the header's claim. */
  let usedIds = 0;

  while (count < opCount) {
    if (pos >= end) {
      throw new TraceFormatError(source, line + 1, `header says ${opCount} ops but the file has ${count}`);
    }
    line++;
    const lineEnd = findLineEnd(text, pos, end);
    const contentEnd = stripCr(text, pos, lineEnd);

    // Fast path: `<op> <digits>[ <digits>]` exactly; any surprise goes to explainOpLine.
    const op = text.charCodeAt(pos);
    const kind = op === CH_A ? OP_ALLOC : op === CH_F ? OP_FREE : op === CH_R ? OP_REALLOC : -1;
    let ok = kind >= 0 && pos + 1 < contentEnd && text.charCodeAt(pos + 1) === CH_SPACE;
    let id = 0;
    let size = 0;
    if (ok) {
      const idStart = pos + 2;
      const idEnd = scanDigits(text, idStart, contentEnd);
      ok = idEnd > idStart && idEnd - idStart <= SAFE_DIGITS;
      if (ok) {
        id = digitsValue(text, idStart, idEnd);
        if (kind === OP_FREE) {
          ok = idEnd === contentEnd;
        } else {
          const sizeStart = idEnd + 1;
          ok = idEnd < contentEnd && text.charCodeAt(idEnd) === CH_SPACE;
          if (ok) {
            const sizeEnd = scanDigits(text, sizeStart, contentEnd);
            ok = sizeEnd > sizeStart && sizeEnd === contentEnd && sizeEnd - sizeStart <= SAFE_DIGITS;
            if (ok) size = digitsValue(text, sizeStart, sizeEnd);
          }
        }
      }
    }
    if (!ok) {
      throw new TraceFormatError(source, line, explainOpLine(text.slice(pos, contentEnd), idCount));
    }
    if (id >= idCount) {
      throw new TraceFormatError(source, line, idOutOfRange(id, idCount));
    }
    if (count === capacity) {
      // Unreachable while the capacity bound holds; keeps typed-array writes in bounds regardless.
      throw new TraceFormatError(source, line, `header says ${opCount} ops but the file has more than fit`);
    }
    kinds[count] = kind;
    ids[count] = id;
    sizes[count] = size;
    if (id >= usedIds) usedIds = id + 1;
    count++;
    pos = lineEnd + 1;
  }

  // ---- nothing may follow the last op (its own line terminator was consumed above)
  if (pos < end) {
    throw new TraceFormatError(source, line + 1, explainTrailingText(text, pos, opCount));
  }

  return {
    source,
    suggestedHeapSize,
    idCount: usedIds,
    weight,
    firstOpLine: REP_FIRST_OP_LINE,
    length: count,
    kinds: capacity === count ? kinds : kinds.slice(0, count),
    ids: capacity === count ? ids : ids.slice(0, count),
    sizes: capacity === count ? sizes : sizes.slice(0, count),
  };
}

/** Writes a trace in `.rep` format (`\n` line endings, a final newline); parseRep reads it back. */
export function formatRep(trace: Trace): string {
  const lines: string[] = [
    String(trace.suggestedHeapSize),
    String(trace.idCount),
    String(trace.length),
    String(trace.weight),
  ];
  const { kinds, ids, sizes } = trace;
  for (let i = 0; i < trace.length; i++) {
    const kind = kinds[i];
    if (kind === OP_ALLOC) lines.push(`a ${ids[i]} ${sizes[i]}`);
    else if (kind === OP_FREE) lines.push(`f ${ids[i]}`);
    else if (kind === OP_REALLOC) lines.push(`r ${ids[i]} ${sizes[i]}`);
    else throw new RangeError(`formatRep: op ${i} has unknown kind ${kind}`);
  }
  lines.push('');
  return lines.join('\n');
}

// ------------------------------------------------------------------ scanning helpers

/** Index of the `\n` ending the line that starts at `pos`, or `end` for a last line without one. */
function findLineEnd(text: string, pos: number, end: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? end : nl;
}

/** End of the line's content: drops one `\r` before the line end (CRLF files). */
function stripCr(text: string, start: number, lineEnd: number): number {
  return lineEnd > start && text.charCodeAt(lineEnd - 1) === CH_CR ? lineEnd - 1 : lineEnd;
}

/** First index in [pos, end) that is not an ASCII digit. */
function scanDigits(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c < CH_0 || c > CH_9) break;
    pos++;
  }
  return pos;
}

/** Value of the digit run [from, to); callers keep it to SAFE_DIGITS so it is exact. */
function digitsValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (text.charCodeAt(i) - CH_0);
  return value;
}

// ------------------------------------------------------------------ error explanations (slow path only)

const OP_SHAPES: Record<string, string> = { a: 'a <id> <size>', f: 'f <id>', r: 'r <id> <size>' };
const ANY_OP = `'a <id> <size>', 'f <id>' or 'r <id> <size>'`;

/** Why an op line failed the fast path, in words. */
function explainOpLine(lineText: string, idCount: number): string {
  if (lineText.length === 0) return `expected an op line (${ANY_OP}), got an empty line`;
  const tokens = lineText.split(' ');
  const op = tokens[0] ?? '';
  const shape = OP_SHAPES[op];
  if (shape === undefined) {
    return `unknown op '${clip(op)}': expected ${ANY_OP}, got '${clip(lineText)}'`;
  }
  const fieldNames = op === 'f' ? ['id'] : ['id', 'size'];
  if (tokens.length !== fieldNames.length + 1 || tokens.some((t) => t.length === 0)) {
    const spacing = tokens.some((t) => t.length === 0) ? ' (tokens are separated by single spaces)' : '';
    return `expected '${shape}', got '${clip(lineText)}'${spacing}`;
  }
  for (let i = 0; i < fieldNames.length; i++) {
    const token = tokens[i + 1] as string;
    if (!/^[0-9]+$/.test(token)) {
      return `${fieldNames[i]} must be an integer >= 0, got '${clip(token)}' in '${clip(lineText)}'`;
    }
    if (token.length > SAFE_DIGITS) {
      return `${fieldNames[i]} ${clip(token)} is too large in '${clip(lineText)}'`;
    }
  }
  const id = Number(tokens[1]);
  if (id >= idCount) return idOutOfRange(id, idCount);
  return `malformed op line '${clip(lineText)}'`;
}

/** Text after the last op: either more op lines than the header says, or stray blank lines. */
function explainTrailingText(text: string, pos: number, opCount: number): string {
  let extraLines = 0;
  for (const rest of text.slice(pos).split('\n')) {
    if (rest.replace(/\r$/, '').length > 0) extraLines++;
  }
  if (extraLines === 0) return `unexpected empty line after the last of ${opCount} ops`;
  return `header says ${opCount} ops but the file has ${opCount + extraLines}`;
}

/** Keeps error messages to one readable line even for a garbage input. */
function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

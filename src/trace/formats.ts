/**
 * The trace formats heapflow reads, recognised from their first lines, and the streaming
 * line parser of each. Browser-safe (files are read in read-trace.ts).
 */

import { HftParser, HFT_MAGIC } from './hft.js';
import type { LineParser } from './import/line-parser.js';
import { LtraceParser } from './import/ltrace.js';
import { MallocDebugParser } from './import/malloc-debug.js';
import { MtraceParser } from './import/mtrace.js';
import { parseRep } from './rep.js';
import { type Trace, TraceFormatError } from './types.js';

export const TRACE_FORMATS = ['rep', 'hft', 'mtrace', 'ltrace', 'malloc-debug'] as const;
export type TraceFormat = typeof TRACE_FORMATS[number];

const MTRACE = /^(?:= Start$|(?:@ .*\] )?[-+<>!] (?:0x[0-9a-fA-F]+|\(nil\)))/;
const MALLOC_DEBUG = /^\d+: (?:malloc|calloc|memalign|realloc|free|thread_done) 0x/;
const LTRACE = /^(?:\[pid \d+\] |\d+ )?(?:[\d:.]+ )?(?:\[0x[0-9a-f]+\] )?(?:[^\s(]+->)?(?:\w+\(|<\.\.\. \w+ resumed>)/;

/** The format of a file from its first lines; TraceFormatError if none fits. */
export function detectFormat(head: readonly string[], source: string): TraceFormat {
  const lines = head.map((line) => line.replace(/\r$/, ''));
  if (lines[0] === HFT_MAGIC) return 'hft';
  if (lines.length >= 4 && lines.slice(0, 4).every((line) => /^[0-9]+$/.test(line))) return 'rep';
  const content = lines.filter((line) => line.trim().length > 0 && !/^(?:\[pid \d+\] |\d+ )?(?:\+\+\+|---) /.test(line));
  // The first content line decides (a later malformed line is then reported with its number).
  const first = content[0];
  if (first !== undefined) {
    if (MTRACE.test(first)) return 'mtrace';
    if (MALLOC_DEBUG.test(first)) return 'malloc-debug';
    if (LTRACE.test(first)) return 'ltrace';
  }
  throw new TraceFormatError(source, 1,
    `unrecognised trace format: expected .rep (4 header numbers), .hft ('${HFT_MAGIC}'), an mtrace log, ` +
    `ltrace output or Android malloc_debug record_allocs text (name the format with --from ${TRACE_FORMATS.join('|')})`);
}

export function lineParserFor(format: TraceFormat, source: string): LineParser {
  switch (format) {
    case 'rep': return new RepLines(source);
    case 'hft': return new HftParser(source);
    case 'mtrace': return new MtraceParser(source);
    case 'ltrace': return new LtraceParser(source);
    case 'malloc-debug': return new MallocDebugParser(source);
  }
}

/** `.rep` is parsed whole (its header says how much follows); lines are gathered first. */
class RepLines implements LineParser {
  private readonly lines: string[] = [];
  constructor(private readonly source: string) {}
  push(line: string): void { this.lines.push(line); }
  finish(): Trace {
    this.lines.push('');
    return parseRep(this.lines.join('\n'), this.source);
  }
}

/** What every streaming trace reader implements: lines in (without terminators), a trace out. */

import { type Trace, TraceFormatError } from '../types.js';
import { TraceBuilder } from '../trace-builder.js';
import { parseAddress, parseSize, PointerIds } from './pointer-ids.js';

export interface LineParser {
  push(line: string): void;
  finish(): Trace;
}

/** Keeps error messages to one readable line even for a garbage input. */
export function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

/** What the importers share: the trace being built, the address-to-id map, the line counter, errors naming file and line. */
export abstract class LogParser implements LineParser {
  protected line = 0;
  protected readonly builder = new TraceBuilder();
  protected readonly pointers = new PointerIds(this.builder);

  /** `format` is recorded in the trace's metadata (`m format …`). */
  constructor(protected readonly source: string, format: string) {
    this.builder.meta.format = format;
  }

  abstract push(line: string): void;

  /** The trace, with the counts of whatever the log could not match in its metadata. */
  finish(): Trace {
    this.pointers.recordAnomalies();
    return this.builder.build(this.source, true);
  }

  /** A pointer token (`0x…`, `nil`, `(nil)`, `0`), or a TraceFormatError naming the line. */
  protected address(token: string | undefined, text: string, example = '0x55d0c3a1b2c0'): number {
    const addr = parseAddress(token ?? '');
    if (Number.isNaN(addr)) this.fail(`expected a pointer like ${example}, got '${clip(token ?? '')}' in '${clip(text)}'`);
    return addr;
  }

  /** A size or count token (decimal or `0x…`), or a TraceFormatError naming the line. */
  protected size(token: string | undefined, text: string, what = 'a size'): number {
    const size = parseSize(token ?? '');
    if (Number.isNaN(size)) this.fail(`expected ${what}, got '${clip(token ?? '')}' in '${clip(text)}'`);
    return size;
  }

  protected fail(detail: string): never {
    throw new TraceFormatError(this.source, this.line, detail);
  }
}

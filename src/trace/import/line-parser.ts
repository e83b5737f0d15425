/** What every streaming trace reader implements: lines in (without terminators), a trace out. */

import type { Trace } from '../types.js';

export interface LineParser {
  push(line: string): void;
  finish(): Trace;
}

/** Keeps error messages to one readable line even for a garbage input. */
export function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

/**
 * Reading `.rep` files from disk (Node only; rep.ts stays browser-safe).
 */

import { readFile } from 'node:fs/promises';
import { parseRep } from './rep.js';
import type { Trace } from './types.js';

/** A trace file that cannot be read at all (missing, a directory, no permission). */
export class TraceFileError extends Error {
  readonly code = 'TRACE_FILE';
  constructor(readonly path: string, reason: string) {
    super(`${path}: cannot read trace: ${reason}`);
    this.name = 'TraceFileError';
  }
}

/**
 * Reads and parses a `.rep` file. Throws TraceFileError if it cannot be read and
 * TraceFormatError (file:line) if it is malformed. Liveness is not checked here.
 */
export async function readRep(path: string): Promise<Trace> {
  let text: string;
  try {
    // latin1 maps every byte to one char, so a stray non-ASCII byte is reported, not mangled.
    text = await readFile(path, 'latin1');
  } catch (error) {
    throw new TraceFileError(path, describeFsError(error));
  }
  return parseRep(text, path);
}

/** A file system error in words, for TraceFileError. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return error instanceof Error ? error.message : String(error);
  }
}

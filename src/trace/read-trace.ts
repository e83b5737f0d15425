/**
 * Reading any trace file from disk (Node only): `.rep`, `.hft` and the importable logs,
 * each possibly gzipped (recognised by the gzip magic bytes, not the name). The format is
 * recognised from the content (detect.ts) unless the caller names it. Lines are streamed
 * through the format's line parser, so memory follows what the file really holds.
 */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { detectFormat, lineParserFor, type TraceFormat } from './formats.js';
import { describeFsError as describe, TraceFileError } from './read-rep.js';
import type { Trace } from './types.js';

const GZIP_MAGIC = [0x1f, 0x8b];
/** Lines looked at to recognise the format. */
const DETECT_LINES = 64;

export interface ReadTraceOptions {
  /** Skip detection and parse as this format. */
  format?: TraceFormat;
}

export async function readTrace(path: string, options: ReadTraceOptions = {}): Promise<Trace> {
  const lines = readLines(path);
  const head: string[] = [];
  let done = false;
  while (head.length < DETECT_LINES) {
    const next = await lines.next();
    if (next.done === true) { done = true; break; }
    head.push(next.value);
  }
  const format = options.format ?? detectFormat(head, path);
  const parser = lineParserFor(format, path);
  for (const line of head) parser.push(line);
  if (!done) for await (const line of lines) parser.push(line);
  return parser.finish();
}

/** The file's lines without terminators, gunzipped when it starts with the gzip magic. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const gzipped = await startsWith(path, GZIP_MAGIC);
  const file = createReadStream(path, { encoding: gzipped ? undefined : 'latin1' });
  const stream = gzipped ? file.pipe(createGunzip()).setEncoding('latin1') : file;
  let failure: unknown;
  const keep = (error: unknown): void => { failure ??= error; };
  file.on('error', keep);
  stream.on('error', keep);
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of reader) yield line;
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) {
    throw new TraceFileError(path, gzipped ? `not a valid gzip file (${describe(failure)})` : describe(failure));
  }
}

async function startsWith(path: string, magic: readonly number[]): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new TraceFileError(path, describe(error));
  }
  try {
    const probe = Buffer.alloc(magic.length);
    const { bytesRead } = await handle.read(probe, 0, magic.length, 0);
    return bytesRead === magic.length && magic.every((byte, i) => probe[i] === byte);
  } catch (error) {
    throw new TraceFileError(path, describe(error));
  } finally {
    await handle.close();
  }
}

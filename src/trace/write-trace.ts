/**
 * Writing a trace to disk (Node only) in the format its file name asks for:
 * `.rep`, `.hft`, and either gzipped with a further `.gz`.
 */

import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { formatHft } from './hft.js';
import { formatRep } from './rep.js';
import type { Trace } from './types.js';

export type OutputFormat = 'rep' | 'hft';

/** The format a file name asks for, or undefined if its extension is not one heapflow writes. */
export function outputFormatOf(path: string): { format: OutputFormat; gzip: boolean } | undefined {
  const match = /\.(rep|hft)(\.gz)?$/.exec(path);
  if (match === null) return undefined;
  return { format: match[1] as OutputFormat, gzip: match[2] !== undefined };
}

export async function writeTrace(path: string, trace: Trace): Promise<void> {
  const target = outputFormatOf(path);
  if (target === undefined) throw new RangeError(`${path}: the name must end in .rep, .hft, .rep.gz or .hft.gz`);
  const pieces = target.format === 'hft' ? formatHft(trace) : [formatRep(trace)];
  const source = Readable.from(pieces);
  const file = createWriteStream(path);
  if (target.gzip) await pipeline(source, createGzip({ level: 6 }), file);
  else await pipeline(source, file);
}

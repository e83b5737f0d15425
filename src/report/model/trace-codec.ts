/**
 * The trace as the report embeds it: columns of LEB128 varints (smaller once gzipped, and
 * many times faster to read back in the page than `.rep` text).
 *
 *   header   varint: version (2), ops, idCount, suggestedHeapSize, flags (bit 0: detail follows)
 *   kinds    ops bytes (OP_ALLOC | OP_FREE | OP_REALLOC)
 *   ids      ops varints
 *   sizes    one varint per alloc or realloc op (frees have none)
 *   detail   (a captured or imported trace, see detail-codec.ts) threads, call sites,
 *            alignments and the thread and site tables
 *
 * Sizes are whole numbers below 2^53 (what parseRep accepts).
 */
import { OP_FREE, type Trace } from '../../trace/types.js';
import { readDetail, writeDetail } from './detail-codec.js';
import { TraceCodecError, VarintReader, VarintWriter } from './varints.js';

export { TraceCodecError } from './varints.js';

const VERSION = 2;
const HAS_DETAIL = 1;

export function encodeTrace(trace: Trace): Uint8Array {
  const out = new VarintWriter(trace.length * 6 + 32);
  out.varint(VERSION);
  out.varint(trace.length);
  out.varint(trace.idCount);
  out.varint(trace.suggestedHeapSize);
  out.varint(trace.detail !== undefined ? HAS_DETAIL : 0);
  for (let i = 0; i < trace.length; i++) out.byte(trace.kinds[i] as number);
  for (let i = 0; i < trace.length; i++) out.varint(trace.ids[i] as number);
  for (let i = 0; i < trace.length; i++) if (trace.kinds[i] !== OP_FREE) out.varint(trace.sizes[i] as number);
  if (trace.detail !== undefined) writeDetail(out, trace.detail, trace.length);
  return out.bytes();
}

export function decodeTrace(bytes: Uint8Array, source: string): Trace {
  const r = new VarintReader(bytes);
  const version = r.varint();
  if (version !== VERSION) throw new TraceCodecError(`version ${version}, this page reads version ${VERSION}`);
  const length = r.varint();
  const idCount = r.varint();
  const suggestedHeapSize = r.varint();
  const flags = r.varint();
  if (flags > HAS_DETAIL) throw new TraceCodecError(`unknown flags ${flags}`);
  if (length > bytes.length) throw new TraceCodecError(`${length} ops cannot fit in ${bytes.length} bytes`);
  const kinds = bytes.slice(r.pos, r.pos + length);
  r.pos += length;
  const ids = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const id = r.varint();
    if (id >= idCount) throw new TraceCodecError(`op ${i}: id ${id} out of range [0, ${idCount})`);
    ids[i] = id;
  }
  const sizes = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    if (kinds[i] as number > 2) throw new TraceCodecError(`op ${i}: unknown kind ${kinds[i]}`);
    if (kinds[i] !== OP_FREE) sizes[i] = r.varint();
  }
  const trace: Trace = { source, suggestedHeapSize, idCount, weight: 0, length, kinds, ids, sizes };
  if (flags & HAS_DETAIL) trace.detail = readDetail(r, length);
  if (r.pos !== bytes.length) throw new TraceCodecError(`${bytes.length - r.pos} bytes after the last op`);
  return trace;
}

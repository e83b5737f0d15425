/**
 * The trace as the report embeds it: columns of LEB128 varints (smaller once gzipped, and
 * many times faster to read back in the page than `.rep` text).
 *
 *   header   varint: version (1), ops, idCount, suggestedHeapSize
 *   kinds    ops bytes (OP_ALLOC | OP_FREE | OP_REALLOC)
 *   ids      ops varints
 *   sizes    one varint per alloc or realloc op (frees have none)
 *
 * Sizes are whole numbers below 2^53 (what parseRep accepts).
 */
import { OP_FREE, type Trace } from '../../trace/types.js';

const VERSION = 1;

/** The bytes of an embedded trace are not what encodeTrace writes. */
export class TraceCodecError extends Error {
  constructor(detail: string) {
    super(`embedded trace: ${detail}`);
    this.name = 'TraceCodecError';
  }
}

export function encodeTrace(trace: Trace): Uint8Array {
  const out = new Writer(trace.length * 6 + 32);
  out.varint(VERSION);
  out.varint(trace.length);
  out.varint(trace.idCount);
  out.varint(trace.suggestedHeapSize);
  for (let i = 0; i < trace.length; i++) out.byte(trace.kinds[i] as number);
  for (let i = 0; i < trace.length; i++) out.varint(trace.ids[i] as number);
  for (let i = 0; i < trace.length; i++) if (trace.kinds[i] !== OP_FREE) out.varint(trace.sizes[i] as number);
  return out.bytes();
}

export function decodeTrace(bytes: Uint8Array, source: string): Trace {
  const r = new Reader(bytes);
  const version = r.varint();
  if (version !== VERSION) throw new TraceCodecError(`version ${version}, this page reads version ${VERSION}`);
  const length = r.varint();
  const idCount = r.varint();
  const suggestedHeapSize = r.varint();
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
  if (r.pos !== bytes.length) throw new TraceCodecError(`${bytes.length - r.pos} bytes after the last op`);
  return { source, suggestedHeapSize, idCount, weight: 0, length, kinds, ids, sizes };
}

class Writer {
  private buf: Uint8Array;
  private pos = 0;
  constructor(capacity: number) { this.buf = new Uint8Array(capacity); }
  byte(b: number): void {
    if (this.pos === this.buf.length) this.grow();
    this.buf[this.pos++] = b;
  }
  /** LEB128 of a whole number below 2^53: 7 bits a byte, low bits first. */
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }
  bytes(): Uint8Array { return this.buf.slice(0, this.pos); }
  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  varint(): number {
    let n = 0, scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new TraceCodecError('truncated');
      const b = this.buf[this.pos++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new TraceCodecError('a number longer than 53 bits');
    }
  }
}

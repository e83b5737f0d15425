/**
 * LEB128 varints (7 bits a byte, low bits first) of whole numbers below 2^53, and
 * length-prefixed UTF-8 strings: the byte vocabulary of the embedded trace (trace-codec.ts).
 */

/** The bytes of an embedded trace are not what encodeTrace writes. */
export class TraceCodecError extends Error {
  constructor(detail: string) {
    super(`embedded trace: ${detail}`);
    this.name = 'TraceCodecError';
  }
}

export class VarintWriter {
  private buf: Uint8Array;
  private pos = 0;
  constructor(capacity: number) { this.buf = new Uint8Array(Math.max(16, capacity)); }
  byte(b: number): void {
    if (this.pos === this.buf.length) this.grow();
    this.buf[this.pos++] = b;
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }
  string(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.varint(bytes.length);
    for (const b of bytes) this.byte(b);
  }
  bytes(): Uint8Array { return this.buf.slice(0, this.pos); }
  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

export class VarintReader {
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
  /** A varint below `limit`, or a TraceCodecError naming `what`. */
  below(limit: number, what: string): number {
    const n = this.varint();
    if (n >= limit) throw new TraceCodecError(`${what} ${n} out of range [0, ${limit})`);
    return n;
  }
  string(): string {
    const length = this.varint();
    if (length > this.buf.length - this.pos) throw new TraceCodecError('truncated');
    const text = new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }
}

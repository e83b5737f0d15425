/**
 * The checked accessor, `heap.checked()`: DataView's method names over the
 * heap's memory, taking byte addresses, little-endian by default (like the typed
 * views), and checking every byte of every access against the shadow state:
 *
 *   - a read or write of a byte outside every live block (redzone, freed block,
 *     heap metadata, free memory) is reported as heap-buffer-overflow / -underflow /
 *     heap-use-after-free at the moment it happens, with the access stack;
 *   - a read of a byte never written is use-of-uninitialized-value;
 *   - a write makes its bytes defined.
 *
 * In 'collect' mode a bad write is reported and not performed (so it does not
 * also damage a redzone), and a bad read is reported and returns what is there.
 */

/** The DebugHeap side of the accessor (not public API). */
export interface AccessChecker {
  /** Checks [address, address+size) for a read or write; throws or reports; true when the access may proceed. */
  access(address: number, size: number, write: boolean, what: string): boolean;
  /** Checks that [src, src+n) may be read (defined or not) and [dst, dst+n) written, then copies bytes and states. */
  copy(dst: number, src: number, length: number): void;
  /** The current DataView over the whole backing. */
  view(): DataView;
  /** The current byte view over the whole backing. */
  bytes(): Uint8Array;
}

export class CheckedMemory {
  /** @internal made by DebugHeap.checked() */
  constructor(private readonly heap: AccessChecker) {}

  getInt8(address: number): number {
    return this.heap.access(address, 1, false, 'getInt8') ? this.heap.view().getInt8(address) : 0;
  }
  getUint8(address: number): number {
    return this.heap.access(address, 1, false, 'getUint8') ? this.heap.view().getUint8(address) : 0;
  }
  getInt16(address: number, littleEndian = true): number {
    return this.heap.access(address, 2, false, 'getInt16') ? this.heap.view().getInt16(address, littleEndian) : 0;
  }
  getUint16(address: number, littleEndian = true): number {
    return this.heap.access(address, 2, false, 'getUint16') ? this.heap.view().getUint16(address, littleEndian) : 0;
  }
  getInt32(address: number, littleEndian = true): number {
    return this.heap.access(address, 4, false, 'getInt32') ? this.heap.view().getInt32(address, littleEndian) : 0;
  }
  getUint32(address: number, littleEndian = true): number {
    return this.heap.access(address, 4, false, 'getUint32') ? this.heap.view().getUint32(address, littleEndian) : 0;
  }
  getFloat32(address: number, littleEndian = true): number {
    return this.heap.access(address, 4, false, 'getFloat32') ? this.heap.view().getFloat32(address, littleEndian) : Number.NaN;
  }
  getFloat64(address: number, littleEndian = true): number {
    return this.heap.access(address, 8, false, 'getFloat64') ? this.heap.view().getFloat64(address, littleEndian) : Number.NaN;
  }
  getBigInt64(address: number, littleEndian = true): bigint {
    return this.heap.access(address, 8, false, 'getBigInt64') ? this.heap.view().getBigInt64(address, littleEndian) : 0n;
  }
  getBigUint64(address: number, littleEndian = true): bigint {
    return this.heap.access(address, 8, false, 'getBigUint64') ? this.heap.view().getBigUint64(address, littleEndian) : 0n;
  }

  setInt8(address: number, value: number): void {
    if (this.heap.access(address, 1, true, 'setInt8')) this.heap.view().setInt8(address, value);
  }
  setUint8(address: number, value: number): void {
    if (this.heap.access(address, 1, true, 'setUint8')) this.heap.view().setUint8(address, value);
  }
  setInt16(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 2, true, 'setInt16')) this.heap.view().setInt16(address, value, littleEndian);
  }
  setUint16(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 2, true, 'setUint16')) this.heap.view().setUint16(address, value, littleEndian);
  }
  setInt32(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 4, true, 'setInt32')) this.heap.view().setInt32(address, value, littleEndian);
  }
  setUint32(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 4, true, 'setUint32')) this.heap.view().setUint32(address, value, littleEndian);
  }
  setFloat32(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 4, true, 'setFloat32')) this.heap.view().setFloat32(address, value, littleEndian);
  }
  setFloat64(address: number, value: number, littleEndian = true): void {
    if (this.heap.access(address, 8, true, 'setFloat64')) this.heap.view().setFloat64(address, value, littleEndian);
  }
  setBigInt64(address: number, value: bigint, littleEndian = true): void {
    if (this.heap.access(address, 8, true, 'setBigInt64')) this.heap.view().setBigInt64(address, value, littleEndian);
  }
  setBigUint64(address: number, value: bigint, littleEndian = true): void {
    if (this.heap.access(address, 8, true, 'setBigUint64')) this.heap.view().setBigUint64(address, value, littleEndian);
  }

  /** memset: `length` bytes at `address` set to `value`, all checked, then defined. */
  fill(address: number, value: number, length: number): void {
    if (this.heap.access(address, length, true, 'fill')) this.heap.bytes().fill(value, address, address + length);
  }

  /** memmove: copies `length` bytes and their definedness (copying undefined bytes is no error, reading them later is). */
  copy(dst: number, src: number, length: number): void {
    this.heap.copy(dst, src, length);
  }

  /** Reads `length` bytes into a new Uint8Array (each byte must be defined). */
  read(address: number, length: number): Uint8Array {
    if (!this.heap.access(address, length, false, 'read')) return new Uint8Array(length);
    return this.heap.bytes().slice(address, address + length);
  }

  /** Writes `data` at `address` (each byte checked, then defined). */
  write(address: number, data: ArrayLike<number>): void {
    if (this.heap.access(address, data.length, true, 'write')) this.heap.bytes().set(data, address);
  }
}

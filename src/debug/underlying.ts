/**
 * Debug mode writes redzones and patterns into every block the underlying allocator
 * hands it, and later reads them back. A block outside the heap (an allocator whose
 * metadata a program's overflow has damaged can return one) would make those writes
 * vanish past the memory's end and those reads fail: such a block is refused, as
 * heap corruption, before anything is written.
 */
import { HeapCorruptionError } from '../base/errors.js';

/**
 * Throws HeapCorruptionError unless [base, base + total) is an 8-aligned (and
 * `alignment`-aligned payload at base + left) range inside [heapStart, brk).
 */
export function assertUnderlyingBlock(op: string, base: number, total: number, left: number, alignment: number, heapStart: number, brk: number): void {
  if (Number.isInteger(base) && base % 8 === 0 && (base + left) % alignment === 0 && base >= heapStart && base + total <= brk) return;
  throw new HeapCorruptionError(base, `the allocator's ${op} returned the block [${base}, ${base + total}) ` +
    `${(base + left) % alignment !== 0 ? `whose payload is not ${alignment}-aligned` : `outside the heap's blocks [${heapStart}, ${brk})`}: its metadata is damaged`);
}

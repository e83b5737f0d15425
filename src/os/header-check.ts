/**
 * What attachHeap checks before it trusts a heap header it did not write: every field it
 * or the allocator will use, against the memory it is in. Returns the first field that
 * cannot be right, named, or null. (A header that passes can still have damaged blocks:
 * the policy's check() walks those.)
 */
import { BACKING_CODES, Hdr } from './header.js';
import { MAX_ADDRESS_SPACE } from './backing.js';

export function headerProblem(u32: Uint32Array, f64: Float64Array, base: number, memoryBytes: number,
  backingKind: string, policyMetadataBytes: number): string | null {
  const hw = base >>> 2;
  const hf = (base + Hdr.F_SLOTS_BYTE) >>> 3;
  const word = (w: number): number => u32[hw + w] as number;
  const pageSize = word(Hdr.W_PAGE_SIZE);
  if (pageSize < 4096 || (pageSize & (pageSize - 1)) !== 0) return `pageSize ${pageSize} is not a power of two >= 4096`;
  if (word(Hdr.W_MMAP_THRESHOLD) < 1024) return `mmapThreshold ${word(Hdr.W_MMAP_THRESHOLD)} is below 1024`;
  const maxSize = f64[hf + Hdr.F_MAX_SIZE] as number;
  if (!Number.isInteger(maxSize) || maxSize < 65536 || maxSize > MAX_ADDRESS_SPACE) return `maxSize ${maxSize} is not an integer in [65536, 2^32]`;
  const initialSize = f64[hf + Hdr.F_INITIAL_SIZE] as number;
  if (!Number.isInteger(initialSize) || initialSize < 0 || initialSize > maxSize) return `initialSize ${initialSize} is not an integer in [0, maxSize]`;
  if (word(Hdr.W_POLICY_META_BYTES) !== policyMetadataBytes) {
    return `policy metadata size ${word(Hdr.W_POLICY_META_BYTES)} differs from the policy's ${policyMetadataBytes}`;
  }
  const staticBase = word(Hdr.W_STATIC_BASE);
  if (staticBase < base + Hdr.HEADER_BYTES + policyMetadataBytes || staticBase % 8 !== 0) return `staticBase ${staticBase} overlaps the metadata or is misaligned`;
  const heapStart = word(Hdr.W_HEAP_START);
  const staticSize = word(Hdr.W_STATIC_SIZE);
  if (heapStart !== staticBase + Math.ceil(staticSize / 8) * 8) return `heapStart ${heapStart} does not follow the static area (${staticBase} + ${staticSize})`;
  if (word(Hdr.W_META_BYTES) !== heapStart - base) return `metadata size ${word(Hdr.W_META_BYTES)} disagrees with heapStart ${heapStart}`;
  const brk = word(Hdr.W_BRK);
  if (brk < heapStart || brk % 8 !== 0 || brk > memoryBytes || brk > maxSize) {
    return `the break ${brk} is not a multiple of 8 in [heapStart ${heapStart}, ${Math.min(memoryBytes, maxSize)}]`;
  }
  if (BACKING_CODES[word(Hdr.W_BACKING)] === undefined) return `backing code ${word(Hdr.W_BACKING)} is unknown`;
  if (BACKING_CODES[word(Hdr.W_BACKING)] !== backingKind) {
    return `the heap was made for a '${BACKING_CODES[word(Hdr.W_BACKING)]}' backing, this memory is '${backingKind}'`;
  }
  return null;
}

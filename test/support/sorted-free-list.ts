/**
 * The simple way to sub-allocate a range: the free ranges in a sorted array,
 * first fit with alignment, merge on free by binary search. Every operation is
 * O(free ranges), and every answer is exact, which makes it both the reference
 * model of the virtual allocator's tests and the baseline of bench/virtual.ts.
 */
export class SortedFreeList {
  /** Free ranges [starts[i], ends[i]), sorted, never touching. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Live allocations: offset -> size. */
  readonly used = new Map<number, number>();

  constructor(public size: number) {
    this.starts.push(0);
    this.ends.push(size);
  }

  /** First fit: the lowest offset where `size` units aligned to `alignment` fit, or -1. */
  alloc(size: number, alignment = 1): number {
    const i = this.findFit(size, alignment);
    if (i < 0) return -1;
    const offset = alignUp(this.starts[i], alignment);
    this.take(i, offset, size);
    return offset;
  }

  /** Index of the first free range that holds `size` at `alignment`, or -1. */
  findFit(size: number, alignment: number): number {
    for (let i = 0; i < this.starts.length; i++) {
      if (alignUp(this.starts[i], alignment) + size <= this.ends[i]) return i;
    }
    return -1;
  }

  /** Marks [offset, offset + size) used; false (and no change) unless it lies inside one free range. */
  claim(offset: number, size: number): boolean {
    const i = this.rangeAt(offset);
    if (i < 0 || offset + size > this.ends[i]) return false;
    this.take(i, offset, size);
    return true;
  }

  /** Frees the allocation at `offset`; false if there is none. */
  free(offset: number): boolean {
    const size = this.used.get(offset);
    if (size === undefined) return false;
    this.used.delete(offset);
    const end = offset + size;
    const i = this.firstAfter(offset); // ranges before i start before offset
    const mergeLeft = i > 0 && this.ends[i - 1] === offset;
    const mergeRight = i < this.starts.length && this.starts[i] === end;
    if (mergeLeft && mergeRight) {
      this.ends[i - 1] = this.ends[i];
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (mergeLeft) this.ends[i - 1] = end;
    else if (mergeRight) this.starts[i] = offset;
    else {
      this.starts.splice(i, 0, offset);
      this.ends.splice(i, 0, end);
    }
    return true;
  }

  grow(newSize: number): void {
    if (newSize === this.size) return;
    const k = this.ends.length - 1;
    if (k >= 0 && this.ends[k] === this.size) this.ends[k] = newSize;
    else {
      this.starts.push(this.size);
      this.ends.push(newSize);
    }
    this.size = newSize;
  }

  /** The free ranges as [start, end) pairs. */
  freeRanges(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]]);
  }

  private take(i: number, offset: number, size: number): void {
    const start = this.starts[i], end = this.ends[i];
    const before = offset > start, after = offset + size < end;
    if (before && after) {
      this.ends[i] = offset;
      this.starts.splice(i + 1, 0, offset + size);
      this.ends.splice(i + 1, 0, end);
    } else if (before) this.ends[i] = offset;
    else if (after) this.starts[i] = offset + size;
    else {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    }
    this.used.set(offset, size);
  }

  /** The free range containing `offset`, or -1. */
  private rangeAt(offset: number): number {
    const i = this.firstAfter(offset + 1) - 1;
    return i >= 0 && offset < this.ends[i] ? i : -1;
  }

  /** The first index whose start is >= offset (binary search). */
  private firstAfter(offset: number): number {
    let lo = 0, hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function alignUp(offset: number, alignment: number): number {
  const r = offset % alignment;
  return r === 0 ? offset : offset - r + alignment;
}

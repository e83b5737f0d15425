/**
 * The virtual allocator: TLSF over out-of-band nodes (layout.ts has the picture
 * and the invariants). alloc and free are O(1) on the common path:
 *
 *   alloc(size, a)  1. good fit: the head of the first non-empty list at or above
 *                      goodFitList(size) holds `size`; taken if its alignment
 *                      padding fits too;
 *                   2. else the head of the first list at or above
 *                      goodFitList(size + a - 1), which holds size with any padding;
 *                   3. else the exact search (exactSearch): every free range in
 *                      every non-empty list from listOfSize(size) up, first that
 *                      fits wins. It finds whatever 1 and 2 could miss (a range in
 *                      size's own list that is big enough, or one whose padding
 *                      happens to be small), so -1 means no free range can hold the
 *                      request. Cost: O(free ranges in those lists).
 *   free(offset)    index lookup, merge with free neighbours, insert: O(1).
 *
 * Padding in front of an aligned range, and the rest behind it, become free
 * ranges of their own. Bad arguments throw before anything changes.
 */
import { DoubleFreeError, HeapCorruptionError, InvalidPointerError } from '../base/errors.js';
import { isAlignment, rejectAlignment, rejectInteger } from './args.js';
import { FreeLists } from './free-lists.js';
import { alignPad, goodFitList, listOfSize, MAX_SPACE, NIL, NodeState } from './layout.js';
import { NodeStore } from './nodes.js';
import { OffsetIndex } from './offset-index.js';
import { checkVirtual } from './check.js';
import { dumpVirtual, gpuMemDump, type GpuMemDump } from './dump.js';
import type { VirtualAllocatorOptions, VirtualDump, VirtualRange, VirtualStats, VirtualStorageReport } from './types.js';

export class VirtualAllocator {
  readonly minAlignment: number;
  /** @internal units in the space (read it as `size`). */
  space: number;

  /** @internal the side arrays, lists and index; read by check.ts and dump.ts. */
  readonly nodes = new NodeStore();
  /** @internal */
  readonly lists = new FreeLists(this.nodes);
  /** @internal */
  readonly index = new OffsetIndex();
  /** @internal first and last range in address order. */
  first = NIL;
  /** @internal */
  last = NIL;
  /** @internal counters, checked against the walk. */
  usedUnits = 0;
  /** @internal */
  freeUnits = 0;
  /** @internal */
  freeRanges = 0;
  private exactSearches = 0;
  private refusals = 0;

  constructor(options: VirtualAllocatorOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`createVirtualAllocator: options must be an object like { size: 1024 }, got ${options === null ? 'null' : typeof options}`);
    }
    const { size, minAlignment = 1 } = options;
    if (!(size >= 1 && size <= MAX_SPACE && Number.isInteger(size))) {
      rejectInteger('createVirtualAllocator', 'size', size, 1, MAX_SPACE, ' (2^52)');
    }
    if (!isAlignment(minAlignment, MAX_SPACE)) rejectAlignment('createVirtualAllocator', 'minAlignment', minAlignment, MAX_SPACE);
    this.space = size;
    this.minAlignment = minAlignment;
    this.reset();
  }

  /** Units in the space: the `size` it was made with, or the last `grow`. */
  get size(): number {
    return this.space;
  }

  /**
   * A range of `size` units whose offset is a multiple of `alignment` (a power of
   * two; at least minAlignment), or -1 when no free range can hold it.
   */
  alloc(size: number, alignment?: number): number {
    if (!(size >= 1 && size <= this.space && Number.isInteger(size))) this.rejectSize(size);
    let a = this.minAlignment;
    if (alignment !== undefined && alignment !== a) {
      if (!isAlignment(alignment, MAX_SPACE)) rejectAlignment('alloc', 'alignment', alignment, MAX_SPACE);
      if (alignment > a) a = alignment;
    }
    const lists = this.lists;
    let n = lists.firstFrom(goodFitList(size));
    if (n !== NIL) {
      n = lists.heads[n];
      if (a > 1 && alignPad(this.nodes.offset[n], a) > this.nodes.size[n] - size) {
        n = size + a - 1 <= MAX_SPACE ? lists.firstFrom(goodFitList(size + a - 1)) : NIL;
        if (n !== NIL) n = lists.heads[n];
      }
    }
    if (n === NIL) n = this.exactSearch(size, a);
    return n === NIL ? -1 : this.place(n, size, a);
  }

  /** Frees the allocation at `offset` (as returned by alloc). */
  free(offset: number): void {
    const n = this.index.remove(offset);
    if (n === NIL) throw this.unknownOffset('free', offset);
    const nodes = this.nodes;
    const size = nodes.size[n];
    this.usedUnits -= size;
    this.freeUnits += size;
    nodes.state[n] = NodeState.FREE;
    let range = n;
    const prev = nodes.prevPhys[n];
    if (prev !== NIL && nodes.state[prev] === NodeState.FREE) {
      this.lists.remove(prev);
      this.absorbNext(prev);
      this.freeRanges--;
      range = prev;
    }
    const next = nodes.nextPhys[range];
    if (next !== NIL && nodes.state[next] === NodeState.FREE) {
      this.lists.remove(next);
      this.absorbNext(range);
      this.freeRanges--;
    }
    this.freeRanges++;
    this.lists.insert(range);
  }

  /** Units of the allocation at `offset` (exactly what was asked for). */
  sizeOf(offset: number): number {
    const n = this.index.get(offset);
    if (n === NIL) throw this.unknownOffset('sizeOf', offset);
    return this.nodes.size[n];
  }

  /** The space gets bigger (never smaller): [size, newSize) becomes free. Live offsets stay valid. */
  grow(newSize: number): void {
    if (!(newSize >= this.space && newSize <= MAX_SPACE && Number.isInteger(newSize))) {
      rejectInteger('grow', 'newSize', newSize, this.space, MAX_SPACE, ' (2^52)');
    }
    const added = newSize - this.space;
    if (added === 0) return;
    const nodes = this.nodes;
    const last = this.last;
    if (nodes.state[last] === NodeState.FREE) {
      this.lists.remove(last);
      nodes.size[last] += added;
      this.lists.insert(last);
    } else {
      const n = this.newRange(this.space, added, NodeState.FREE);
      this.linkAfter(last, n);
      this.lists.insert(n);
      this.freeRanges++;
    }
    this.freeUnits += added;
    this.space = newSize;
  }

  /** Frees everything: one free range [0, size). Offsets handed out before are unknown afterwards. */
  reset(): void {
    this.nodes.clear();
    this.lists.clear();
    this.index.clear();
    const n = this.newRange(0, this.space, NodeState.FREE);
    this.nodes.prevPhys[n] = NIL;
    this.nodes.nextPhys[n] = NIL;
    this.first = this.last = n;
    this.lists.insert(n);
    this.usedUnits = 0;
    this.freeUnits = this.space;
    this.freeRanges = 1;
  }

  stats(): VirtualStats {
    const largest = this.largestFreeRange();
    return {
      size: this.space,
      allocations: this.index.count,
      usedUnits: this.usedUnits,
      freeUnits: this.freeUnits,
      freeRanges: this.freeRanges,
      largestFreeRange: largest,
      fragmentation: this.freeUnits === 0 ? 0 : 1 - largest / this.freeUnits,
      exactSearches: this.exactSearches,
      refusals: this.refusals,
    };
  }

  storageReport(): VirtualStorageReport {
    const metadataBytes = this.nodes.bytes + this.index.bytes + this.lists.bytes;
    return {
      nodeCapacity: this.nodes.capacity,
      nodesInUse: this.nodes.live,
      indexCapacity: this.index.capacity,
      metadataBytes,
      bytesPerAllocation: metadataBytes / Math.max(1, this.index.count),
    };
  }

  /** Every range, used and free, in address order (a walk: O(ranges)). */
  ranges(): VirtualRange[] {
    const out: VirtualRange[] = [];
    const nodes = this.nodes;
    for (let n = this.first; n !== NIL; n = nodes.nextPhys[n]) {
      out.push({ offset: nodes.offset[n], size: nodes.size[n], state: nodes.state[n] === NodeState.USED ? 'used' : 'free' });
    }
    return out;
  }

  /** Walks every range, list and index entry; throws HeapCorruptionError naming the range and the broken invariant. */
  check(): void {
    checkVirtual(this);
  }

  /** A JSON-ready picture: stats and every range (`JSON.stringify(va.dump())`). */
  dump(): VirtualDump {
    return dumpVirtual(this);
  }

  /** The same picture in the shape of VulkanMemoryAllocator's virtual-block statistics string (detailed map). */
  gpuMemDump(): GpuMemDump {
    return gpuMemDump(this);
  }

  /** The largest free range: the biggest in the highest non-empty list (scanned whole, so exact). */
  largestFreeRange(): number {
    const list = this.lists.last();
    if (list === NIL) return 0;
    const nodes = this.nodes;
    let largest = 0;
    for (let n = this.lists.heads[list]; n !== NIL; n = nodes.nextFree[n]) if (nodes.size[n] > largest) largest = nodes.size[n];
    return largest;
  }

  // ---- the flow's steps

  /** Step 3 of alloc: every free range from listOfSize(size) up; the first that holds size + padding. */
  private exactSearch(size: number, a: number): number {
    this.exactSearches++;
    const nodes = this.nodes, lists = this.lists;
    for (let list = lists.firstFrom(listOfSize(size)); list !== NIL; list = lists.firstFrom(list + 1)) {
      for (let n = lists.heads[list]; n !== NIL; n = nodes.nextFree[n]) {
        if (nodes.size[n] >= size && alignPad(nodes.offset[n], a) <= nodes.size[n] - size) return n;
      }
    }
    this.refusals++;
    return NIL;
  }

  /**
   * Takes `size` units at alignment a from free node n: padding in front and the rest behind
   * stay free. When there is a rest, n itself stays free as that rest (its list changes only if
   * its size crosses a list boundary, which is rare for a big range), and the used part is a
   * new node in front of it: most allocations then touch no free list at all.
   */
  private place(n: number, size: number, a: number): number {
    let nodes = this.nodes;
    const start = nodes.offset[n];
    const pad = alignPad(start, a);
    const offset = start + pad;
    const rest = nodes.size[n] - pad - size;
    let used = n;
    if (rest > 0) {
      used = this.newRange(offset, size, NodeState.USED);
      nodes = this.nodes;
      this.linkBefore(n, used);
      this.shrinkFree(n, offset + size, rest);
    } else {
      this.lists.remove(n);
      this.freeRanges--;
      nodes.offset[n] = offset;
      nodes.size[n] = size;
      nodes.state[n] = NodeState.USED;
    }
    if (pad > 0) {
      const front = this.newRange(start, pad, NodeState.FREE);
      this.linkBefore(used, front);
      this.lists.insert(front);
      this.freeRanges++;
    }
    this.index.add(offset, used);
    this.freeUnits -= size;
    this.usedUnits += size;
    return offset;
  }

  /** Free node n now covers [offset, offset + size): moved to another list only if its size class changed. */
  private shrinkFree(n: number, offset: number, size: number): void {
    const nodes = this.nodes;
    if (listOfSize(size) === listOfSize(nodes.size[n])) {
      nodes.offset[n] = offset;
      nodes.size[n] = size;
      return;
    }
    this.lists.remove(n);
    nodes.offset[n] = offset;
    nodes.size[n] = size;
    this.lists.insert(n);
  }

  /** n takes over the range after it (which is dropped). */
  private absorbNext(n: number): void {
    const nodes = this.nodes;
    const next = nodes.nextPhys[n];
    nodes.size[n] += nodes.size[next];
    const after = nodes.nextPhys[next];
    nodes.nextPhys[n] = after;
    if (after !== NIL) nodes.prevPhys[after] = n;
    else this.last = n;
    this.nodes.release(next);
  }

  private newRange(offset: number, size: number, state: NodeState): number {
    const n = this.nodes.take();
    this.nodes.offset[n] = offset;
    this.nodes.size[n] = size;
    this.nodes.state[n] = state;
    return n;
  }

  private linkAfter(n: number, m: number): void {
    const nodes = this.nodes;
    const next = nodes.nextPhys[n];
    nodes.prevPhys[m] = n;
    nodes.nextPhys[m] = next;
    nodes.nextPhys[n] = m;
    if (next !== NIL) nodes.prevPhys[next] = m;
    else this.last = m;
  }

  private linkBefore(n: number, m: number): void {
    const nodes = this.nodes;
    const prev = nodes.prevPhys[n];
    nodes.nextPhys[m] = n;
    nodes.prevPhys[m] = prev;
    nodes.prevPhys[n] = m;
    if (prev !== NIL) nodes.nextPhys[prev] = m;
    else this.first = m;
  }

  // ---- errors (built out of line: the hot paths stay small)

  private rejectSize(size: unknown): never {
    return rejectInteger('alloc', 'size', size, 1, this.space, ' (the size of the whole space)');
  }

  /**
   * Why `offset` is not a live allocation: not an integer in the space, inside a
   * free range (a double free: freed already, or never handed out), or inside a
   * used range without being its start. A walk: O(ranges), on the error path only.
   */
  private unknownOffset(operation: string, offset: unknown): Error {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset >= this.space) {
      return new InvalidPointerError(operation, offset, `not an offset in the space [0, ${this.space})`);
    }
    const nodes = this.nodes;
    for (let n = this.first; n !== NIL; n = nodes.nextPhys[n]) {
      const start = nodes.offset[n], end = start + nodes.size[n];
      if (offset >= end) continue;
      if (nodes.state[n] === NodeState.FREE) {
        return operation === 'free'
          ? new DoubleFreeError(operation, offset)
          : new InvalidPointerError(operation, offset, `in the free range [${start}, ${end}): freed already, or never allocated`);
      }
      return new InvalidPointerError(operation, offset, `inside the allocation [${start}, ${end}), not its start`);
    }
    return new HeapCorruptionError(offset, 'the ranges do not cover the space');
  }
}

/** A virtual allocator over `[0, size)`: see VirtualAllocator. */
export function createVirtualAllocator(options: VirtualAllocatorOptions): VirtualAllocator {
  return new VirtualAllocator(options);
}

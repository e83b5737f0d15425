/** The public vocabulary of the virtual allocator. */

export interface VirtualAllocatorOptions {
  /** Units in the space `[0, size)`: an integer, 1 .. 2^52. */
  size: number;
  /** The alignment every allocation gets at least (a power of two; default 1). */
  minAlignment?: number;
}

/** One range of the space, as `ranges()` lists them (address order). */
export interface VirtualRange {
  offset: number;
  size: number;
  state: 'used' | 'free';
}

export interface VirtualStats {
  /** Units in the space. */
  size: number;
  /** Live allocations. */
  allocations: number;
  /** Units held by live allocations. */
  usedUnits: number;
  /** Units in free ranges (alignment padding included: it is free space). */
  freeUnits: number;
  /** Number of free ranges. */
  freeRanges: number;
  /** The largest free range (exact). */
  largestFreeRange: number;
  /** 1 - largestFreeRange / freeUnits (0 when nothing or everything is free in one range). */
  fragmentation: number;
  /** alloc() calls that ran the exact search (the good-fit lists had nothing), and how many of them refused. */
  exactSearches: number;
  refusals: number;
}

/** What the metadata costs: every typed array the allocator holds. */
export interface VirtualStorageReport {
  /** Node slots (ranges) the side arrays can hold before they double. */
  nodeCapacity: number;
  /** Slots holding a range (used or free). */
  nodesInUse: number;
  /** Slots of the offset index (kept at most half full). */
  indexCapacity: number;
  /** Bytes of all side arrays: nodes, offset index, free-list heads and bitmaps. */
  metadataBytes: number;
  /** metadataBytes / live allocations (metadataBytes when there are none). */
  bytesPerAllocation: number;
}

/** `dump()`: a JSON-ready picture of the space, for the report's map. */
export interface VirtualDump {
  format: 'heapflow-virtual';
  version: 1;
  size: number;
  minAlignment: number;
  stats: VirtualStats;
  ranges: VirtualRange[];
}

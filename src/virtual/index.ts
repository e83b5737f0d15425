/** The virtual allocator's public surface, re-exported by both entries (index.ts and core.ts). */
export { createVirtualAllocator, VirtualAllocator } from './virtual-allocator.js';
export type { VirtualAllocatorOptions, VirtualRange, VirtualStats, VirtualStorageReport, VirtualDump } from './types.js';
export type { GpuMemDump } from './dump.js';

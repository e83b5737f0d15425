/**
 * Pictures of a virtual allocator as plain JSON: heapflow's own (`dump()`: stats
 * and every range) and the shape of VulkanMemoryAllocator's virtual-block
 * statistics string with the detailed map (`gpuMemDump()`), for tools that read it.
 */
import type { VirtualAllocator } from './virtual-allocator.js';
import type { VirtualDump } from './types.js';

export function dumpVirtual(va: VirtualAllocator): VirtualDump {
  return {
    format: 'heapflow-virtual',
    version: 1,
    size: va.size,
    minAlignment: va.minAlignment,
    stats: va.stats(),
    ranges: va.ranges(),
  };
}

export interface GpuMemDump {
  Stats: {
    BlockCount: number;
    BlockBytes: number;
    AllocationCount: number;
    AllocationBytes: number;
    UnusedRangeCount: number;
    AllocationSizeMin?: number;
    AllocationSizeMax?: number;
    UnusedRangeSizeMin?: number;
    UnusedRangeSizeMax?: number;
  };
  Details: {
    TotalBytes: number;
    UnusedBytes: number;
    Allocations: number;
    UnusedRanges: number;
    Suballocations: Array<{ Offset: number; Type?: 'FREE'; Size: number }>;
  };
}

export function gpuMemDump(va: VirtualAllocator): GpuMemDump {
  const ranges = va.ranges();
  const used = ranges.filter((r) => r.state === 'used').map((r) => r.size);
  const free = ranges.filter((r) => r.state === 'free').map((r) => r.size);
  const stats: GpuMemDump['Stats'] = {
    BlockCount: 1,
    BlockBytes: va.size,
    AllocationCount: used.length,
    AllocationBytes: va.usedUnits,
    UnusedRangeCount: free.length,
  };
  if (used.length > 1) Object.assign(stats, { AllocationSizeMin: Math.min(...used), AllocationSizeMax: Math.max(...used) });
  if (free.length > 1) Object.assign(stats, { UnusedRangeSizeMin: Math.min(...free), UnusedRangeSizeMax: Math.max(...free) });
  return {
    Stats: stats,
    Details: {
      TotalBytes: va.size,
      UnusedBytes: va.freeUnits,
      Allocations: used.length,
      UnusedRanges: free.length,
      Suballocations: ranges.map((r) => (r.state === 'free' ? { Offset: r.offset, Type: 'FREE' as const, Size: r.size } : { Offset: r.offset, Size: r.size })),
    },
  };
}

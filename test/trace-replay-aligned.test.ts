import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap } from '../src/index.js';
import type { HeapOptions } from '../src/base/types.js';
import { parseHft } from '../src/trace/hft.js';
import type { ReplayHeap } from '../src/trace/replay-heap.js';
import { replayTrace } from '../src/trace/replay.js';

// posix_memalign(64), memalign(4096) and plain mallocs, as a capture records them.
const ALIGNED = 'hft 1\na 0 100 64 0 0 -\na 1 24 0 1 0 -\na 2 5000 4096 1 0 -\nr 0 300 1 0 -\nf 1 1 0 -\nf 2 1 0 -\nf 0 1 0 -\n';

test('replay honours each op\'s alignment: alignedAlloc for aligned ops, and the verify pass checks it', () => {
  const seen: [number, number][] = [];
  const recording = (options: HeapOptions): ReplayHeap => {
    const heap = createHeap(options);
    return Object.assign(Object.create(heap) as ReplayHeap, {
      alignedAlloc: (alignment: number, size: number) => {
        const ptr = heap.alignedAlloc(alignment, size);
        seen.push([alignment, ptr % alignment]);
        return ptr;
      },
    });
  };
  const result = replayTrace(parseHft(ALIGNED, 'aligned.hft'), { verify: true, timed: true, samples: 1, minTimedOpsPerSample: 7, createHeap: recording });
  assert.equal(result.errors, 0, result.errorMessages.join('; '));
  assert.ok(seen.length >= 2);
  assert.deepEqual(seen.slice(0, 2), [[64, 0], [4096, 0]]);
});

test('an allocator that ignores the alignment is caught', () => {
  const careless = (options: HeapOptions): ReplayHeap => {
    const heap = createHeap(options);
    heap.malloc(8); // so that the next blocks are not page-aligned by luck
    return Object.assign(Object.create(heap) as ReplayHeap, { alignedAlloc: (_: number, size: number) => heap.malloc(size) });
  };
  const result = replayTrace(parseHft(ALIGNED, 'aligned.hft'), { verify: true, timed: false, createHeap: careless });
  assert.ok(result.errors > 0);
  assert.match(result.errorMessages.join('\n'), /alignedAlloc\(4096\) returned \d+, which is not 4096-aligned/);
});

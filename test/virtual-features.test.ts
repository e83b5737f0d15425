/**
 * grow, reset, stats, storageReport, the dumps, and a million live allocations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualAllocator, DoubleFreeError } from '../src/index.js';

test('grow: the new units extend a free last range or become one; live offsets stay', () => {
  const va = createVirtualAllocator({ size: 100 });
  const a = va.alloc(60);
  va.grow(150); // last range free: it just gets longer
  assert.deepEqual(va.ranges(), [{ offset: 0, size: 60, state: 'used' }, { offset: 60, size: 90, state: 'free' }]);
  assert.equal(va.alloc(150 - 60), 60);
  assert.equal(va.alloc(1), -1);
  va.grow(150); // no change
  va.grow(200); // last range used: a new free range
  assert.deepEqual(va.ranges().at(-1), { offset: 150, size: 50, state: 'free' });
  assert.equal(va.alloc(50, 2), 150);
  va.check();
  assert.equal(va.sizeOf(a), 60);
  assert.equal(va.stats().size, 200);
});

test('reset: one free range again; freeing an old offset is a double free', () => {
  const va = createVirtualAllocator({ size: 4096, minAlignment: 16 });
  const offsets = Array.from({ length: 100 }, (_, i) => va.alloc(1 + (i % 20)));
  assert.ok(offsets.every((o) => o >= 0 && o % 16 === 0));
  va.reset();
  va.check();
  assert.deepEqual(va.ranges(), [{ offset: 0, size: 4096, state: 'free' }]);
  assert.throws(() => va.free(offsets[5]), DoubleFreeError);
  assert.equal(va.stats().allocations, 0);
  assert.equal(va.alloc(4096), 0);
});

test('stats, storageReport and the dumps describe the same ranges', () => {
  const va = createVirtualAllocator({ size: 1024 });
  const a = va.alloc(100), b = va.alloc(100, 256), c = va.alloc(10);
  va.free(a);
  const s = va.stats();
  const ranges = va.ranges();
  const free = ranges.filter((r) => r.state === 'free');
  assert.equal(s.allocations, 2);
  assert.equal(s.usedUnits, 110);
  assert.equal(s.freeUnits, 1024 - 110);
  assert.equal(s.freeRanges, free.length);
  assert.equal(s.largestFreeRange, Math.max(...free.map((r) => r.size)));
  assert.equal(s.fragmentation, 1 - s.largestFreeRange / s.freeUnits);
  const dump = JSON.parse(JSON.stringify(va.dump()));
  assert.equal(dump.format, 'heapflow-virtual');
  assert.deepEqual(dump.ranges, ranges);
  const vma = va.gpuMemDump();
  assert.equal(vma.Details.TotalBytes, 1024);
  assert.equal(vma.Details.UnusedBytes, s.freeUnits);
  assert.equal(vma.Stats.AllocationCount, 2);
  assert.deepEqual(vma.Details.Suballocations.map((x) => x.Offset), ranges.map((r) => r.offset));
  assert.deepEqual(vma.Details.Suballocations.filter((x) => x.Type === 'FREE').length, free.length);
  const storage = va.storageReport();
  assert.equal(storage.nodesInUse, ranges.length);
  assert.ok(storage.metadataBytes > 0 && storage.nodeCapacity >= ranges.length);
  assert.ok([b, c].every((o) => va.sizeOf(o) > 0));
});

test('a million live allocations: metadata grows on demand, everything accounted for', () => {
  const N = 1_000_000;
  const va = createVirtualAllocator({ size: 2 ** 32 });
  const offsets = new Float64Array(N);
  let units = 0;
  for (let i = 0; i < N; i++) {
    const size = 1 + (Math.imul(i, 2654435761) >>> 28); // 1..16
    const alignment = i % 7 === 0 ? 16 : 1;
    offsets[i] = va.alloc(size, alignment);
    assert.ok(offsets[i] >= 0 && offsets[i] % alignment === 0);
    units += size;
  }
  const s = va.stats();
  assert.equal(s.allocations, N);
  assert.equal(s.usedUnits, units);
  const storage = va.storageReport();
  assert.ok(storage.nodeCapacity >= N, `node capacity ${storage.nodeCapacity}`);
  // Side arrays grow by doubling: at most 2 slots per node and per index entry, so well under 100 bytes each.
  assert.ok(storage.bytesPerAllocation < 100, `${storage.bytesPerAllocation} metadata bytes per allocation`);
  va.check();
  // Free every other one, then the rest, in an order that is not the allocation order.
  for (let i = 0; i < N; i += 2) va.free(offsets[i]);
  for (let i = N - 1; i > 0; i -= 2) va.free(offsets[i]);
  va.check();
  assert.deepEqual(va.ranges(), [{ offset: 0, size: 2 ** 32, state: 'free' }]);
});

/**
 * Debug mode, the rest of the API: every backing, alignedAlloc, usableSize, view,
 * stats and blocks as the program sees them, large reallocs, the quarantine budget,
 * onReport, the exit-time leak report, and another Heap attached to the same memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { attachHeap, createHeap, HeapDebugError, type BackingKind, type DebugReport } from '../src/index.js';

const BACKINGS: readonly BackingKind[] = ['arraybuffer', 'resizable', 'shared', 'wasm'];

test('every backing: the overflow of a 13-byte block is caught, a correct program is clean', () => {
  for (const backing of BACKINGS) {
    const heap = createHeap({ backing, debug: true });
    const ptrs = [];
    for (let i = 0; i < 200; i++) ptrs.push(heap.malloc((i * 37) % 3000)); // grows the backing
    const p = heap.malloc(13);
    heap.u8[p + 13] = 0;
    assert.throws(() => heap.check(), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-buffer-overflow' && e.report.address === p + 13, backing);
    heap.u8[p + 13] = 0xfa;
    for (const q of ptrs) heap.free(q);
    heap.free(p);
    heap.check();
  }
});

test('alignedAlloc keeps the alignment; usableSize is the requested size; view() is bounded by it', () => {
  const heap = createHeap({ debug: true });
  for (const alignment of [8, 16, 64, 256, 4096]) {
    const p = heap.alignedAlloc(alignment, 10);
    assert.equal(p % alignment, 0);
    assert.equal(heap.usableSize(p), 10);
    heap.u8[p + 10] = 1;
    assert.throws(() => heap.free(p), (e: unknown) => e instanceof HeapDebugError && e.report.address === p + 10);
    heap.u8[p + 10] = 0xfa;
    heap.free(p);
  }
  const q = heap.malloc(12);
  assert.equal(heap.view(q, Uint8Array).length, 12);
  assert.equal(heap.view(q, Float64Array).length, 1);
  assert.throws(() => heap.view(q, Uint32Array, 4), RangeError);
});

test('stats() and blocks() show the program\'s blocks, not redzones or quarantine', () => {
  const heap = createHeap({ debug: true });
  const a = heap.malloc(10);
  const b = heap.calloc(3, 7);
  heap.free(heap.malloc(100));
  const s = heap.stats();
  assert.equal(s.liveBlocks, 2);
  assert.equal(s.liveBytes, 31);
  assert.equal(s.peakLiveBytes, 131);
  assert.equal(s.mallocCalls, 2);
  assert.equal(s.callocCalls, 1);
  assert.equal(s.freeCalls, 1);
  const mine = heap.blocks().filter((x) => x.ptr === a || x.ptr === b);
  assert.deepEqual(mine.map((x) => x.requested), [10, 21]);
  const d = heap.debugStats();
  assert.equal(d.quarantinedBlocks, 1);
  assert.ok(d.redzoneBytes >= 64);
});

test('large blocks: realloc grows in place past reallocMoveLimit, keeping data and definedness', () => {
  const heap = createHeap({ debug: { reallocMoveLimit: 1024 } });
  const c = heap.checked();
  let p = heap.malloc(2000);
  c.setUint32(p + 1996, 77);
  for (let n = 2128; n < 40_000; n += 128) {
    p = heap.realloc(p, n);
    assert.equal(c.getUint32(p + 1996), 77);
    assert.throws(() => c.getUint8(p + n - 1), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'use-of-uninitialized-value');
    c.setUint8(p + n - 1, 1);
    assert.throws(() => c.getUint8(p + n), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-buffer-overflow');
  }
  p = heap.realloc(p, 100); // shrink in place: the tail is a redzone or gone
  assert.throws(() => c.getUint8(p + 100), (e: unknown) => e instanceof HeapDebugError);
  heap.check();
  heap.free(p);
  heap.check();
});

test('small blocks: realloc moves, and the old pointer is a use-after-free', () => {
  const heap = createHeap({ debug: true });
  const c = heap.checked();
  const p = heap.malloc(16);
  c.setUint32(p, 5);
  const q = heap.realloc(p, 20);
  assert.notEqual(q, p);
  assert.throws(() => c.getUint32(p), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-use-after-free' && e.report.freeStack !== undefined);
  assert.equal(c.getUint32(q), 5);
});

test('the quarantine holds freed blocks up to its byte budget, FIFO', () => {
  const heap = createHeap({ debug: { quarantineSize: 1000, stacks: false } });
  const ptrs = Array.from({ length: 10 }, () => heap.malloc(100));
  for (const p of ptrs) heap.free(p);
  const d = heap.debugStats();
  assert.ok(d.quarantinedBytes <= 1000 && d.quarantinedBlocks >= 6, JSON.stringify(d));
  assert.ok(heap.malloc(100) !== ptrs[ptrs.length - 1], 'the newest freed block is not reused');
  heap.flushQuarantine();
  assert.equal(heap.debugStats().quarantinedBlocks, 0);
});

test('onReport sees every report; maxReports caps what is kept', () => {
  const seen: DebugReport[] = [];
  const heap = createHeap({ debug: { onError: 'collect', onReport: (r) => seen.push(r as DebugReport), maxReports: 2 } });
  const p = heap.malloc(8);
  heap.free(p);
  for (let i = 0; i < 5; i++) heap.free(p);
  assert.equal(seen.length, 5);
  assert.equal(heap.reports().length, 2);
  assert.equal(heap.debugStats().reports, 5);
});

test('debug state belongs to the DebugHeap: an attached Heap sees one larger block', () => {
  const heap = createHeap({ backing: 'shared', debug: true });
  const p = heap.malloc(10);
  const other = attachHeap(heap.memory);
  assert.equal(other.stats().liveBlocks, 1);
  assert.throws(() => other.free(p), { code: 'INVALID_POINTER' }, 'p is inside the underlying block');
  other.check();
});

test('leaksAtExit prints the summary at process exit (and "fail" sets the exit code)', () => {
  const index = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const program = `
    import { createHeap } from ${JSON.stringify(index)};
    const heap = createHeap({ debug: { leaksAtExit: 'fail' } });
    function leaky() { return heap.malloc(24); }
    for (let i = 0; i < 2; i++) leaky();
    heap.free(heap.malloc(8));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Leak of 48 bytes in 2 blocks/);
  assert.match(run.stderr, /at leaky /);
  assert.match(run.stderr, /SUMMARY: heapflow: 48 bytes leaked in 2 allocations/);
});

/**
 * Debug mode, one small buggy program per error kind: the report's kind, address,
 * block bounds and stacks; and the same program fixed, reporting nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap, DebugHeap, Heap, HeapDebugError, HeapError, type DebugReport } from '../src/index.js';

const THIS_FILE = 'debug-errors.test';

function fresh(debug: object = {}): DebugHeap {
  return createHeap({ debug: { ...debug } });
}

/** Runs `bug`, which must throw a HeapDebugError; returns its report. */
function reportOf(bug: () => unknown): DebugReport {
  try {
    bug();
  } catch (error) {
    assert.ok(error instanceof HeapDebugError, `expected a HeapDebugError, got ${String(error)}`);
    assert.ok(error instanceof HeapError);
    assert.equal(error.code, 'HEAP_DEBUG');
    assert.equal(error.message, `[HEAP_DEBUG] ${error.report.toString()}`);
    return error.report;
  }
  assert.fail('the bug was not reported');
}

function hasStack(stack: string | undefined): void {
  assert.ok(stack !== undefined && stack.includes(THIS_FILE), `stack should name the test file:\n${stack}`);
  assert.ok(!/[\\/]debug[\\/]debug-heap\.js/.test(stack), 'heapflow frames are trimmed');
}

function assertBlock(r: DebugReport, ptr: number, size: number): void {
  assert.deepEqual(r.block, { ptr, size });
  assert.ok(r.toString().includes(`block [${ptr}, ${ptr + size})`), r.toString());
}

test('createHeap without debug is the plain Heap; with debug a DebugHeap', () => {
  assert.equal(Object.getPrototypeOf(createHeap()), Heap.prototype);
  assert.equal(Object.getPrototypeOf(createHeap({ debug: false })), Heap.prototype);
  assert.ok(createHeap({ debug: true }) instanceof DebugHeap);
  assert.throws(() => createHeap({ debug: { redzone: 12 } }), RangeError);
  assert.throws(() => createHeap({ debug: { onError: 'log' as 'throw' } }), RangeError);
});

test('heap-buffer-overflow: a 13-byte block written at offset 13, found by free()', () => {
  const heap = fresh();
  const p = heap.malloc(13);
  heap.u8[p + 13] = 42;
  const r = reportOf(() => heap.free(p));
  assert.equal(r.kind, 'heap-buffer-overflow');
  assert.equal(r.address, p + 13);
  assertBlock(r, p, 13);
  assert.match(r.toString(), /0 bytes after the 13-byte block/);
  hasStack(r.allocStack);
  hasStack(r.stack);
  assert.equal(r.freeStack, undefined);
  assert.match(r.toString(), /\[2a\]/);
  // nothing was changed: the block is still live
  assert.equal(heap.stats().liveBlocks, 1);
});

test('heap-buffer-overflow fixed: writing offset 12 reports nothing', () => {
  const heap = fresh();
  const p = heap.malloc(13);
  heap.u8[p + 12] = 42;
  heap.check();
  heap.free(p);
  heap.check();
  assert.deepEqual(heap.leaks(), []);
});

test('heap-buffer-overflow: found by check(), by realloc(), and by the checked accessor', () => {
  const heap = fresh();
  const p = heap.malloc(40);
  heap.u8[p + 44] = 1;
  let r = reportOf(() => heap.check());
  assert.equal(r.kind, 'heap-buffer-overflow');
  assert.equal(r.address, p + 44);
  assert.match(r.toString(), /4 bytes after the 40-byte block/);
  r = reportOf(() => heap.realloc(p, 100));
  assert.equal(r.kind, 'heap-buffer-overflow');
  heap.u8[p + 44] = 0xfa; // repair
  const c = heap.checked();
  r = reportOf(() => c.setFloat64(p + 36, 1.5));
  assert.equal(r.kind, 'heap-buffer-overflow');
  assert.equal(r.address, p + 40, 'the first bad byte of the access');
  assertBlock(r, p, 40);
  hasStack(r.stack);
  hasStack(r.allocStack);
  c.setFloat64(p + 32, 1.5); // fixed
  assert.equal(c.getFloat64(p + 32), 1.5);
});

test('heap-buffer-underflow: the byte just before the block', () => {
  const heap = fresh();
  const p = heap.malloc(24);
  heap.u8[p - 1] = 7;
  const r = reportOf(() => heap.free(p));
  assert.equal(r.kind, 'heap-buffer-underflow');
  assert.equal(r.address, p - 1);
  assertBlock(r, p, 24);
  assert.match(r.toString(), /1 byte before the 24-byte block/);
  hasStack(r.allocStack);
  const c = heap.checked();
  const r2 = reportOf(() => c.getUint32(p - 4));
  assert.equal(r2.kind, 'heap-buffer-underflow');
  assert.equal(r2.address, p - 4);
});

test('heap-use-after-free: a write after free, found by check() and when leaving quarantine', () => {
  const heap = fresh({ quarantineSize: 1024 });
  const p = heap.malloc(40);
  heap.free(p);
  heap.u8[p + 4] = 9;
  const r = reportOf(() => heap.check());
  assert.equal(r.kind, 'heap-use-after-free');
  assert.equal(r.address, p + 4);
  assertBlock(r, p, 40);
  hasStack(r.allocStack);
  hasStack(r.freeStack);
  assert.match(r.toString(), /4 bytes inside the 40-byte freed block/);
  assert.match(r.toString(), /freed by:/);
  // the next frees push p out of quarantine: the damage is thrown by the free that evicted it
  const r2 = reportOf(() => {
    for (let i = 0; i < 64; i++) heap.free(heap.malloc(64));
  });
  assert.equal(r2.kind, 'heap-use-after-free');
  assert.equal(r2.address, p + 4);
  heap.check(); // p has left quarantine
});

test('heap-use-after-free: a read through the checked accessor, after free and after the quarantine', () => {
  const heap = fresh({ quarantineSize: 0 });
  const c = heap.checked();
  const p = heap.malloc(16);
  c.setUint32(p, 1);
  heap.free(p);
  const r = reportOf(() => c.getUint32(p));
  assert.equal(r.kind, 'heap-use-after-free');
  assert.equal(r.address, p);
  assertBlock(r, p, 16);
  hasStack(r.freeStack);
  hasStack(r.allocStack);
});

test('heap-use-after-free fixed: no access after free reports nothing', () => {
  const heap = fresh({ quarantineSize: 1024 });
  const c = heap.checked();
  const p = heap.malloc(40);
  c.setUint32(p + 4, 9);
  assert.equal(c.getUint32(p + 4), 9);
  heap.free(p);
  for (let i = 0; i < 64; i++) heap.free(heap.malloc(64));
  heap.check();
});

test('double-free: both stacks, in quarantine and after it', () => {
  for (const quarantineSize of [1 << 20, 0]) {
    const heap = fresh({ quarantineSize });
    const p = heap.malloc(40);
    heap.free(p);
    const r = reportOf(() => heap.free(p));
    assert.equal(r.kind, 'double-free', `quarantine ${quarantineSize}`);
    assert.equal(r.address, p);
    assertBlock(r, p, 40);
    hasStack(r.allocStack);
    hasStack(r.freeStack);
    hasStack(r.stack);
    const r2 = reportOf(() => heap.realloc(p, 8));
    assert.equal(r2.kind, 'double-free');
  }
});

test('double-free fixed: one free per block', () => {
  const heap = fresh();
  const p = heap.malloc(40);
  heap.free(p);
  const q = heap.malloc(40);
  heap.free(q);
  heap.check();
});

test('bad-free: a pointer inside a block, and one in no block', () => {
  const heap = fresh();
  const p = heap.malloc(40);
  const r = reportOf(() => heap.free(p + 8));
  assert.equal(r.kind, 'bad-free');
  assert.equal(r.address, p + 8);
  assertBlock(r, p, 40);
  assert.match(r.toString(), /8 bytes inside the 40-byte block/);
  hasStack(r.allocStack);
  hasStack(r.stack);
  const r2 = reportOf(() => heap.free(8));
  assert.equal(r2.kind, 'bad-free');
  assert.equal(r2.address, 8);
  assert.equal(reportOf(() => heap.usableSize(p + 1)).kind, 'bad-free');
  heap.free(p); // fixed: the pointer malloc returned
  heap.check();
});

test('use-of-uninitialized-value: malloc does not zero', () => {
  const heap = fresh();
  const c = heap.checked();
  const p = heap.malloc(16);
  assert.equal(heap.u8[p], 0xbe, 'malloc fills with garbage');
  c.setUint32(p, 1);
  const r = reportOf(() => c.getFloat64(p));
  assert.equal(r.kind, 'use-of-uninitialized-value');
  assert.equal(r.address, p + 4, 'the first undefined byte');
  assertBlock(r, p, 16);
  hasStack(r.stack);
  hasStack(r.allocStack);
});

test('use-of-uninitialized-value fixed: calloc, writes, realloc carry-over, markDefined', () => {
  const heap = fresh();
  const c = heap.checked();
  const z = heap.calloc(4, 4);
  assert.equal(c.getInt32(z + 12), 0);
  const p = heap.malloc(8);
  c.setFloat64(p, 2.5);
  const q = heap.realloc(p, 32);
  assert.equal(c.getFloat64(q), 2.5, 'realloc carries definedness');
  assert.equal(reportOf(() => c.getUint8(q + 8)).kind, 'use-of-uninitialized-value', 'the grown part is not defined');
  heap.u8.fill(3, q + 8, q + 32);
  heap.markDefined(q + 8, 24);
  assert.equal(c.getUint8(q + 31), 3);
  assert.equal(reportOf(() => heap.markDefined(q + 8, 25)).kind, 'heap-buffer-overflow');
  c.fill(z, 7, 16);
  c.copy(q, z, 16);
  assert.equal(c.getUint8(q + 15), 7);
  assert.equal(c.getBigUint64(q), 0x0707070707070707n);
});

test('memory-leak: leaks(), the grouped summary, mark/since, checkLeaks()', () => {
  const heap = fresh();
  const keep = heap.malloc(8);
  const m = heap.mark();
  const [a, b] = [0, 0].map(() => heap.malloc(24)) as [number, number]; // one call site: one group
  const big = heap.malloc(100);
  heap.free(heap.malloc(5));
  const since = heap.leaks(m);
  assert.deepEqual(since.map((l) => [l.ptr, l.size]), [[a, 24], [b, 24], [big, 100]]);
  for (const l of since) hasStack(l.stack);
  assert.equal(heap.leaks().length, 4);
  const groups = heap.leakSummary(m);
  assert.deepEqual(groups.map((g) => [g.bytes, g.blocks]), [[100, 1], [48, 2]]);
  assert.deepEqual(groups[1]?.ptrs, [a, b]);
  assert.match(heap.leakReport(m), /48 bytes in 2 blocks/);
  const r = reportOf(() => heap.checkLeaks(m));
  assert.equal(r.kind, 'memory-leak');
  assert.equal(r.address, big);
  assertBlock(r, big, 100);
  hasStack(r.allocStack);
  assert.match(r.toString(), /SUMMARY: heapflow: 148 bytes leaked in 3 allocations/);
  // fixed
  heap.free(a); heap.free(b); heap.free(big);
  assert.deepEqual(heap.checkLeaks(m), []);
  assert.equal(heap.leaks()[0]?.ptr, keep);
});

test('collect mode: reports accumulate, each damage once; a bad free is ignored', () => {
  const heap = fresh({ onError: 'collect' });
  const p = heap.malloc(13);
  heap.u8[p + 13] = 1;
  heap.u8[p - 2] = 1;
  heap.check();
  heap.check();
  assert.deepEqual(heap.reports().map((r) => r.kind), ['heap-buffer-underflow', 'heap-buffer-overflow']);
  heap.free(p);
  heap.free(p);
  const c = heap.checked();
  const q = heap.malloc(4);
  assert.equal(c.getUint32(q), 0xbebebebe, 'a bad read returns what is there');
  c.setUint8(q + 4, 1);
  assert.equal(heap.u8[q + 4], 0xfa, 'a bad write is not performed');
  assert.deepEqual(heap.reports().map((r) => r.kind).slice(2),
    ['double-free', 'use-of-uninitialized-value', 'heap-buffer-overflow']);
  heap.clearReports();
  heap.check();
  assert.deepEqual(heap.reports(), []);
});

test('stacks off: reports still name kind, address and block', () => {
  const heap = fresh({ stacks: false });
  const p = heap.malloc(40);
  heap.free(p);
  const r = reportOf(() => heap.free(p));
  assert.equal(r.kind, 'double-free');
  assert.equal(r.allocStack, '');
  assert.equal(r.stack, '');
  assert.match(r.toString(), /stacks are off/);
});

test('stack depth is configurable', () => {
  const heap = fresh({ stackDepth: 1 });
  const p = heap.malloc(1);
  const [leak] = heap.leaks();
  assert.equal(leak?.stack.split('\n').length, 1);
  assert.ok(leak?.stack.includes(THIS_FILE));
  heap.free(p);
});

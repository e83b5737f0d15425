/**
 * The edges an adversarial tester broke (#14), each as it was reported: a lone block's
 * double free, attachHeap on damaged headers and on memory it cannot use, a user overflow
 * followed by ordinary calls (the backing never resized to NaN, never a wrong pointer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allocatorNames, attachHeap, createHeap, DoubleFreeError, HeapCorruptionError, HeapError, type AllocatorName,
} from '../src/index.js';
import { Hdr } from '../src/os/header.js';
import { BACKINGS, thrown } from './support/heap-verify.js';

// Every policy that frees single blocks (the arena frees by region: below).
const FREEING: readonly AllocatorName[] = allocatorNames().filter((a) => a !== 'arena');

for (const allocator of FREEING) {
  // a pool serves its blockSize only (64 by default)
  const sizes = allocator === 'pool' ? [0, 16, 64] : [0, 16, 64, 300, 1000, 5000, 200_000];
  test(`${allocator}: p = malloc(n); free(p); free(p) is a DoubleFreeError for a lone block of any size`, () => {
    for (const n of sizes) {
      for (const backing of ['arraybuffer', 'resizable'] as const) {
        const heap = createHeap({ allocator, backing });
        const p = heap.malloc(n);
        heap.free(p);
        const e = thrown(() => heap.free(p), `${allocator} free twice (${n} bytes, ${backing})`);
        assert.ok(e instanceof DoubleFreeError, `${allocator}, ${n} bytes, ${backing}: ${String(e)}`);
        heap.check();
      }
    }
  });

  test(`${allocator}: a double free of a block whose neighbours were freed around it (merged away) is a DoubleFreeError`, () => {
    const n = allocator === 'pool' ? 64 : 48;
    const heap = createHeap({ allocator });
    const [a, b, c] = [heap.malloc(n), heap.malloc(n), heap.malloc(n)];
    heap.malloc(n); // keeps the three off the top
    heap.free(a);
    heap.free(c);
    heap.free(b);
    const e = thrown(() => heap.free(b), `${allocator} free of the merged block`);
    assert.ok(e instanceof DoubleFreeError, `${allocator}: ${String(e)}`);
    heap.check();
  });
}

test('arena: free does nothing, so a double free cannot be told and stays harmless (the block stays live until a release)', () => {
  const heap = createHeap({ allocator: 'arena' });
  const p = heap.malloc(64);
  const q = heap.malloc(64);
  heap.u8.fill(7, p, p + 64);
  heap.free(p);
  heap.free(p);
  heap.check();
  assert.equal(heap.usableSize(p), 64);
  assert.equal(heap.stats().liveBlocks, 2);
  assert.ok(heap.u8.subarray(p, p + 64).every((x) => x === 7), 'the block kept its bytes');
  assert.notEqual(heap.malloc(64), p);
  heap.free(q);
  heap.check();
});

/** A heap with two live blocks, and a fresh view of its header words. */
function madeHeap() {
  const heap = createHeap({ backing: 'shared' });
  const a = heap.malloc(100);
  heap.malloc(300000);
  heap.free(a);
  return heap;
}

test('attachHeap refuses a header with a field it cannot use, naming the field (BAD_HEAP_MEMORY)', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['pageSize 0', Hdr.W_PAGE_SIZE, 0, /pageSize/],
    ['pageSize 5000', Hdr.W_PAGE_SIZE, 5000, /pageSize/],
    ['mmapThreshold 0', Hdr.W_MMAP_THRESHOLD, 0, /mmapThreshold/],
    ['break misaligned', Hdr.W_BRK, 12345, /break/],
    ['break past the memory', Hdr.W_BRK, 2 ** 31, /break/],
    ['heapStart moved', Hdr.W_HEAP_START, 8, /heapStart/],
    ['static base inside the header', Hdr.W_STATIC_BASE, 16, /staticBase/],
    ['policy metadata size', Hdr.W_POLICY_META_BYTES, 4, /metadata/],
    ['backing code', Hdr.W_BACKING, 9, /backing/],
  ];
  for (const [what, word, value, pattern] of cases) {
    const heap = madeHeap();
    const u32 = new Uint32Array(heap.memory as SharedArrayBuffer);
    const saved = u32[word];
    u32[word] = value;
    const e = thrown(() => attachHeap(heap.memory), what);
    assert.ok(e instanceof HeapError && e.code === 'BAD_HEAP_MEMORY', `${what}: ${String(e)}`);
    assert.match(e.message, pattern, what);
    u32[word] = saved as number;
    attachHeap(heap.memory).check();
  }
});

test('attachHeap refuses a heap whose blocks are damaged, and memory that is not memory', () => {
  const heap = madeHeap();
  const u8 = new Uint8Array(heap.memory as SharedArrayBuffer);
  const first = heap.blocks()[0]!;
  u8.fill(0xab, first.offset, first.offset + 8); // the first block's header
  const e = thrown(() => attachHeap(heap.memory), 'damaged block');
  assert.ok(e instanceof HeapError && e.code === 'BAD_HEAP_MEMORY', String(e));
  for (const bad of [null, undefined, 42, {}, new Uint8Array(16)]) {
    const err = thrown(() => attachHeap(bad as unknown as ArrayBuffer), `attachHeap(${String(bad)})`);
    assert.ok(err instanceof HeapError && err.code === 'BAD_HEAP_MEMORY', `attachHeap(${String(bad)}): ${String(err)}`);
  }
});

test('an 8-byte overflow onto the sentinel, then ordinary calls: HeapCorruptionError, never a wrong pointer or a lost backing', () => {
  for (const backing of BACKINGS) {
    const heap = createHeap({ backing, trimThreshold: 0 });
    const ps = [heap.malloc(5000), heap.malloc(24)];
    const last = ps[1]!;
    const end = last + heap.usableSize(last);
    heap.u8.fill(0xa5, end, end + 16); // past the last block: the sentinel
    let caught = false;
    for (let i = 0; i < 25 && !caught; i++) {
      try {
        const p = heap.malloc(100 + i * 997);
        const s = heap.stats();
        assert.ok(p === 0 || (Number.isInteger(p) && p > 0 && p % 8 === 0 && p < s.heapSize), `${backing}: malloc returned ${p}`);
        assert.ok(s.backingSize >= s.heapSize, `${backing}: backing ${s.backingSize} below the break ${s.heapSize}`);
        heap.free(ps.shift() ?? p);
      } catch (e) {
        assert.ok(e instanceof HeapCorruptionError, `${backing}: ${String(e)}`);
        caught = true;
      }
    }
    assert.ok(caught || (() => { try { heap.check(); return false; } catch (e) { return e instanceof HeapCorruptionError; } })(),
      `${backing}: the damaged sentinel was never noticed`);
  }
});

test("our own messages for the argument errors the engine used to word (#14 finding 9), in normal and debug mode", () => {
  for (const debug of [false, true]) {
    const heap = debug ? createHeap({ backing: 'shared', debug: { stacks: false } }) : createHeap({ backing: 'shared' });
    const p = heap.malloc(64);
    const cases: Array<[string, () => unknown, new (...a: never[]) => Error, RegExp]> = [
      ['malloc(16n)', () => heap.malloc(16n as unknown as number), TypeError, /^malloc: size must be a number, got bigint/],
      ['realloc(p, 16n)', () => heap.realloc(p, 16n as unknown as number), TypeError, /^realloc: size must be a number/],
      ['alignedAlloc(16, 16n)', () => heap.alignedAlloc(16, 16n as unknown as number), TypeError, /^alignedAlloc: size must be a number/],
      ['view(p, null)', () => heap.view(p, null as never), TypeError, /^view: the second argument must be a typed array constructor/],
      ['view(p, {BYTES_PER_ELEMENT: 1})', () => heap.view(p, { BYTES_PER_ELEMENT: 1 } as never), TypeError, /typed array constructor/],
      ['view(p, DataView)', () => heap.view(p, DataView as never), TypeError, /typed array constructor.*DataView/],
      ['view(0, Uint8Array)', () => heap.view(0, Uint8Array), HeapError, /view\(0\)/],
      ['attachHeap(mem, null)', () => attachHeap(heap.memory, null as never), TypeError, /^attachHeap: options must be an object/],
      ['attachHeap(mem, {base: -8})', () => attachHeap(heap.memory, { base: -8 }), RangeError, /^attachHeap: base must be/],
    ];
    for (const [what, fn, cls, pattern] of cases) {
      const e = thrown(fn, what);
      assert.ok(e instanceof cls, `${debug ? 'debug ' : ''}${what}: ${String(e)}`);
      assert.match((e as Error).message, pattern, `${debug ? 'debug ' : ''}${what}`);
    }
    heap.check();
  }
});

test('a trace header claiming a million or 2^32 - 1 ids costs what the ops use, not what it claims (#14 finding 6)', async () => {
  const { parseRep } = await import('../src/trace/rep.js');
  const { replayTrace } = await import('../src/trace/replay.js');
  for (const claimed of [1_000_000, 4_294_967_295]) {
    const trace = parseRep(`0\n${claimed}\n2\n1\na 0 8\nf 0\n`, `claims-${claimed}.rep`);
    assert.equal(trace.idCount, 1, `${claimed} ids claimed, 1 used`);
    const result = replayTrace(trace, { verify: true, samples: 1, minTimedOpsPerSample: 1000 });
    assert.equal(result.errors, 0, result.errorMessages.join('; '));
  }
});

/**
 * The pool allocator: the parts of the conformance suite that fit its contract (requests
 * up to blockSize; bigger ones fail as out of memory), checked against a model on every
 * backing, plus its bad inputs, its option, attach and check() catching corruption.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  attachHeap, createHeap, DoubleFreeError, InvalidPointerError, OutOfMemoryError, type BackingKind, type Heap,
} from '../src/index.js';
import { Hdr } from '../src/os/header.js';
import { flipBitsMissed, type MetaWord } from './support/bit-flips.js';
import { BACKINGS, Model, assertHeapMatches, assertPattern, assertPlacement, freeAll, writePattern, type HeapOp } from './support/heap-verify.js';

type Op = HeapOp;

function opArb(blockSize: number): fc.Arbitrary<Op> {
  // mostly sizes that fit, sometimes one above blockSize (which must fail)
  const size = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: blockSize }) }, { weight: 1, arbitrary: fc.integer({ min: blockSize + 1, max: blockSize * 3 }) });
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ t: fc.constant('malloc' as const), size }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('calloc' as const), count: fc.integer({ min: 0, max: 4 }), size: fc.integer({ min: 0, max: blockSize }) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('realloc' as const), pick: fc.nat(), size }) },
    { weight: 7, arbitrary: fc.record({ t: fc.constant('free' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('aligned' as const), alignLog: fc.integer({ min: 3, max: 6 }), size }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('trim' as const), pad: fc.constantFrom(0, 0, 100, 5000) }) },
  );
}

/** Runs ops on a pool and on the model, checking after each; returns the model. */
function runPool(heap: Heap, blockSize: number, ops: readonly Op[], mayFail: boolean): Model {
  const model = new Model();
  const slot = Math.max(8, Math.ceil(blockSize / 8) * 8);
  const slotAlign = Math.min(64, slot & -slot);
  const add = (p: number, n: number, align: number, what: string): void => {
    if (n > blockSize) { assert.equal(p, 0, `${what}: a request above blockSize ${blockSize} returned ${p}`); return; }
    // every block has the slot's alignment; a greater one only where a free block happens to
    if (p === 0 && (mayFail || align > slotAlign)) return;
    assertPlacement(heap, model, p, n, align, what);
    const fill = model.newFill();
    writePattern(heap, p, n, fill);
    model.add(p, n, fill, align);
  };
  ops.forEach((op, i) => {
    const what = `op ${i} ${JSON.stringify(op)}`;
    switch (op.t) {
      case 'malloc': add(heap.malloc(op.size), op.size, 8, what); break;
      case 'calloc': {
        const p = heap.calloc(op.count, op.size);
        if (p !== 0) for (let k = 0; k < op.count * op.size; k++) assert.equal(heap.u8[p + k], 0, `${what}: calloc byte ${k}`);
        add(p, op.count * op.size, 8, what);
        break;
      }
      case 'aligned': {
        const a = 2 ** op.alignLog;
        add(heap.alignedAlloc(a, op.size), op.size, a, what);
        break;
      }
      case 'realloc': {
        const p = model.pick(op.pick);
        if (p === 0) { add(heap.realloc(0, op.size), op.size, 8, what); break; }
        const b = model.live.get(p)!;
        const q = heap.realloc(p, op.size);
        if (op.size === 0) { assert.equal(q, 0); model.remove(p); break; }
        if (op.size > blockSize) {
          assert.equal(q, 0, `${what}: realloc above blockSize`);
          assertPattern(heap, p, b.size, b.fill, `${what}: the block stays intact`);
          break;
        }
        assert.equal(q, p, `${what}: a pool reallocs in place`);
        model.remove(p);
        assertPattern(heap, p, Math.min(b.size, op.size), b.fill, what);
        writePattern(heap, p, op.size, b.fill, Math.min(b.size, op.size));
        model.add(p, op.size, b.fill);
        break;
      }
      case 'free': {
        const p = model.pick(op.pick);
        if (p === 0) break;
        const b = model.remove(p);
        assertPattern(heap, p, b.size, b.fill, what);
        heap.free(p);
        break;
      }
      case 'trim': heap.trim(op.pad); break;
    }
    heap.check();
    if (i % 10 === 9) assertHeapMatches(heap, model, what);
  });
  assertHeapMatches(heap, model, 'after the sequence');
  return model;
}

const blockSizeArb = fc.constantFrom(8, 24, 64, 100, 512, 5000);

for (const backing of BACKINGS) {
  test(`pool model: ${backing} backing, random sequences against the model`, () => {
    fc.assert(fc.property(blockSizeArb, fc.constantFrom(0, 4096, 1 << 20), fc.array(opArb(64), { maxLength: 150 }), (blockSize, trimThreshold, rawOps) => {
      // the ops' sizes are drawn for 64 bytes and scaled to this pool
      const ops = rawOps.map((o) => ('size' in o ? { ...o, size: Math.round((o.size * blockSize) / 64) } : o)) as Op[];
      const heap = createHeap({ allocator: 'pool', blockSize, backing, trimThreshold, maxSize: 16 << 20 });
      const model = runPool(heap, blockSize, ops, false);
      freeAll(heap, model);
      heap.trim();
      const s = heap.stats();
      assert.equal(s.liveBlocks, 0);
      const left = heap.blocks();
      assert.ok(left.every((b) => b.state === 'metadata') && left.length <= 1, 'every chunk given back (the alignment gap stays)');
      assert.ok(s.heapSize - (heap.staticBase + Math.ceil(s.staticSize / 8) * 8) < 64);
    }), { numRuns: backing === 'arraybuffer' ? 150 : 50 });
  });
}

test('pool model: a small maxSize: 0 returns leave every block intact; after frees, malloc works again', () => {
  fc.assert(fc.property(fc.constantFrom(...BACKINGS), fc.array(opArb(64), { minLength: 100, maxLength: 400 }), (backing, ops) => {
    const heap = createHeap({ allocator: 'pool', backing, maxSize: 65536, initialSize: 65536 });
    const model = runPool(heap, 64, ops.filter((o) => o.t !== 'free' || o.pick % 4 === 0), true);
    if (model.live.size === 0) return;
    heap.free(model.pick(0));
    assert.notEqual(heap.malloc(10), 0, 'a freed block is served again');
  }), { numRuns: 40 });
  // and the limit is really reached
  const heap = createHeap({ allocator: 'pool', maxSize: 65536 });
  let n = 0;
  while (heap.malloc(64) !== 0) n++;
  assert.ok(n > 500 && n < 1024, `${n} blocks of 64 bytes in 64 KiB`);
});

test('requests above blockSize: 0, or OutOfMemoryError with onOutOfMemory: "throw"; realloc leaves the block', () => {
  const heap = createHeap({ allocator: 'pool', blockSize: 32 });
  assert.equal(heap.malloc(33), 0);
  assert.equal(heap.calloc(2, 17), 0);
  const p = heap.malloc(32);
  assert.equal(heap.realloc(p, 33), 0);
  assert.equal(heap.usableSize(p), 32);
  const strict = createHeap({ allocator: 'pool', blockSize: 32, onOutOfMemory: 'throw' });
  assert.throws(() => strict.malloc(33), OutOfMemoryError);
  const q = strict.malloc(1);
  assert.throws(() => strict.realloc(q, 100), OutOfMemoryError);
  strict.free(q);
  strict.check();
});

test('every block has the slot size\'s alignment (up to 64)', () => {
  for (const [blockSize, align] of [[8, 8], [24, 8], [64, 64], [96, 32], [1000, 8], [4096, 64]]) {
    const heap = createHeap({ allocator: 'pool', blockSize });
    for (let i = 0; i < 20; i++) assert.equal(heap.malloc(1) % align, 0, `blockSize ${blockSize}`);
    assert.notEqual(heap.alignedAlloc(align, blockSize), 0);
  }
});

test('blockSize: default 64, rounded up to 8 for alignment; bad values are refused naming blockSize', () => {
  const h = createHeap({ allocator: 'pool' });
  assert.equal(h.usableSize(h.malloc(1)), 64);
  const h13 = createHeap({ allocator: 'pool', blockSize: 13 });
  assert.equal(h13.usableSize(h13.malloc(13)), 16);
  assert.equal(h13.malloc(14), 0, 'the block size asked for is the limit, not the rounded one');
  for (const bad of [0, -8, 1.5, NaN, 2 ** 31]) assert.throws(() => createHeap({ allocator: 'pool', blockSize: bad }), (e: unknown) => e instanceof RangeError && /blockSize/.test(e.message), String(bad));
  assert.throws(() => createHeap({ allocator: 'pool', blockSize: '64' as unknown as number }), /blockSize/);
  assert.throws(() => createHeap({ allocator: 'segfit', blockSize: 64 }), /blockSize/);
});

test('bad pointers: InvalidPointerError naming why; a second free: DoubleFreeError; nothing changes', () => {
  const heap = createHeap({ allocator: 'pool', blockSize: 64 });
  const a = heap.malloc(10);
  const b = heap.malloc(10);
  heap.free(b);
  const before = JSON.stringify(heap.blocks());
  const chunk = heap.blocks().find((x) => x.state === 'metadata' && x.size > 64)!;
  for (const [p, why] of [
    ['x', /not a number/], [a + 0.5, /not an integer/], [a + 4, /misaligned/], [a + 8, /not the start of a block/],
    [chunk.offset, /header of the chunk/], [heap.stats().heapSize, /outside/], [8, /outside/],
  ] as const) {
    for (const op of ['free', 'usableSize'] as const) {
      assert.throws(() => (heap[op] as (x: unknown) => unknown)(p), (e: unknown) => e instanceof InvalidPointerError && why.test(e.message), `${op}(${String(p)})`);
    }
  }
  assert.throws(() => heap.free(b), DoubleFreeError);
  assert.throws(() => heap.realloc(b, 5), DoubleFreeError);
  assert.equal(JSON.stringify(heap.blocks()), before);
  heap.check();
});

test('attachHeap: a second Heap sees the pool (block size included) and frees its blocks', () => {
  for (const backing of ['resizable', 'shared', 'wasm'] as BackingKind[]) {
    const heap = createHeap({ allocator: 'pool', blockSize: 100, backing });
    const ps = Array.from({ length: 100 }, (_, i) => heap.malloc(i));
    const other = attachHeap(heap.memory);
    assert.equal(other.allocator, 'pool');
    assert.equal(other.malloc(101), 0, 'the attached heap knows the block size');
    for (const p of ps) other.free(p);
    assert.equal(heap.stats().liveBlocks, 0);
    heap.trim();
    heap.check();
    other.check();
  }
});

test('pool: check() catches every single-bit flip of the chunk headers, the links and the metadata', () => {
  const heap = createHeap({ allocator: 'pool', blockSize: 40, trimThreshold: 2 ** 31 });
  const ps = Array.from({ length: 200 }, (_, i) => heap.malloc(i % 41));
  ps.forEach((p, i) => { if (i % 3 === 0) heap.free(p); });
  const pm = Hdr.HEADER_BYTES >>> 2;
  const words: MetaWord[] = Array.from({ length: 7 }, (_, i) => ({ word: pm + i, what: `policy word ${i}` }));
  for (const b of heap.blocks()) {
    if (b.state === 'metadata' && b.size > 64) {
      for (let w = b.offset; w < b.offset + b.size; w += 4) words.push({ word: w >>> 2, what: `word ${(w - b.offset) / 4} of the chunk header at ${b.offset}` });
    } else if (b.state === 'free') {
      words.push({ word: b.offset >>> 2, what: `next link of ${b.offset}` }, { word: (b.offset + 4) >>> 2, what: `prev link of ${b.offset}` });
    }
  }
  assert.deepEqual(flipBitsMissed(heap, words), []);
});

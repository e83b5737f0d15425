/**
 * Model-based properties: random sequences of malloc / calloc / realloc /
 * free / alignedAlloc / trim on every backing, checked after every operation
 * against a model of the live blocks (pointer -> requested size, fill seed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, generalAllocatorNames, type AllocatorName, type BackingKind, type Heap, type HeapOptions } from '../src/index.js';
import { EXPECTS_PAGE_RUNS } from './support/geometry.js';
import {
  BACKINGS, Model, assertAllContents, assertEdges, assertHeapMatches, assertPattern, assertPlacement, assertStats,
  freeAll, newCalls, patternMismatch, writePattern, type Calls, type HeapOp,
} from './support/heap-verify.js';

type Op = HeapOp;

const MMAP_THRESHOLD = 8192;

/** Tiny 0..64 most of the time, medium up to 4 KiB, sometimes at or above the mmap threshold. */
function sizeArb(largeMax: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 3, arbitrary: fc.integer({ min: 65, max: 4096 }) },
    { weight: 1, arbitrary: fc.integer({ min: MMAP_THRESHOLD - 16, max: largeMax }) },
  );
}

function opArb(largeMax: number): fc.Arbitrary<Op> {
  const size = sizeArb(largeMax);
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ t: fc.constant('malloc' as const), size }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('calloc' as const), count: fc.integer({ min: 0, max: 16 }), size: fc.integer({ min: 0, max: 3000 }) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('realloc' as const), pick: fc.nat(), size }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant('free' as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('aligned' as const), alignLog: fc.integer({ min: 3, max: 12 }), size }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('trim' as const), pad: fc.constantFrom(0, 0, 100, 5000) }) },
  );
}

const optionsArb: fc.Arbitrary<Partial<HeapOptions>> = fc.record({
  initialSize: fc.constantFrom(undefined, 0, 65536),
  mmapThreshold: fc.constantFrom(MMAP_THRESHOLD, MMAP_THRESHOLD, 16384),
  trimThreshold: fc.constantFrom(0, 8192, 131072),
  pageSize: fc.constantFrom(4096, 4096, 8192),
  staticSize: fc.constantFrom(0, 0, 20, 1000),
});

interface RunConfig {
  /** false: every allocation must succeed (generous maxSize); true: 0 is allowed and must leave everything intact. */
  mayFail: boolean;
  /** full check (check(), blocks(), all contents) every this many ops. */
  fullEvery: number;
  pageSize: number;
  mmapThreshold: number;
}

/** What the runs exercised, summed over a property (so a vacuous generator fails the test). */
interface Coverage { ops: number; zeroReturns: number; mapped: number; moved: number; inPlace: number; grows: number; shrinks: number; trims: number }
function newCoverage(): Coverage {
  return { ops: 0, zeroReturns: 0, mapped: 0, moved: 0, inPlace: 0, grows: 0, shrinks: 0, trims: 0 };
}

/** Chunk bytes of an n-byte request (the allocator's rounding), to know which requests become page runs. */
function chunkBytes(n: number): number {
  return n <= 8 ? 16 : Math.ceil((n + 8) / 8) * 8;
}

function describeOp(op: Op): string {
  return JSON.stringify(op);
}

/** Runs ops against heap and model, verifying after every operation. */
function runOps(heap: Heap, ops: readonly Op[], cfg: RunConfig, cov: Coverage): { model: Model; calls: Calls } {
  const model = new Model();
  const calls = newCalls();
  const pageRun = (p: number, size: number, what: string): void => {
    // only policies that give big requests page runs of their own promise page-aligned payloads
    if (EXPECTS_PAGE_RUNS.has(heap.allocator) && chunkBytes(size) >= cfg.mmapThreshold) {
      cov.mapped++;
      assert.equal(p % cfg.pageSize, 0, `${what}: a ${size}-byte request (a page run) at ${p} is not page-aligned`);
    }
  };
  const failed = (what: string): void => {
    cov.zeroReturns++;
    // a 0 return must leave everything as it was
    heap.check();
    assertAllContents(heap, model, `${what} after returning 0`);
  };
  ops.forEach((op, i) => {
    const what = `op ${i} ${describeOp(op)}`;
    switch (op.t) {
      case 'malloc': {
        calls.malloc++;
        const p = heap.malloc(op.size);
        if (p === 0 && cfg.mayFail) { failed(what); break; }
        assertPlacement(heap, model, p, op.size, 8, what);
        pageRun(p, op.size, what);
        calls.allocs++;
        const fill = model.newFill();
        writePattern(heap, p, op.size, fill);
        model.add(p, op.size, fill);
        break;
      }
      case 'calloc': {
        calls.calloc++;
        const p = heap.calloc(op.count, op.size);
        const total = op.count * op.size;
        if (p === 0 && cfg.mayFail) { failed(what); break; }
        assertPlacement(heap, model, p, total, 8, what);
        pageRun(p, total, what);
        calls.allocs++;
        const u8 = heap.u8;
        for (let k = 0; k < total; k++) if (u8[p + k] !== 0) assert.fail(`${what}: calloc byte ${k} of ${p} is ${u8[p + k]}`);
        const fill = model.newFill();
        writePattern(heap, p, total, fill);
        model.add(p, total, fill);
        break;
      }
      case 'realloc': {
        calls.realloc++;
        const p = model.pick(op.pick);
        if (p === 0) {
          calls.malloc++; // realloc(0, n) is malloc(n)
          const q = heap.realloc(0, op.size);
          if (q === 0 && cfg.mayFail) { failed(what); break; }
          assertPlacement(heap, model, q, op.size, 8, what);
          calls.allocs++;
          const fill = model.newFill();
          writePattern(heap, q, op.size, fill);
          model.add(q, op.size, fill);
          break;
        }
        const old = model.live.get(p)!;
        assertPattern(heap, p, old.size, old.fill, `${what} before realloc`);
        const q = heap.realloc(p, op.size);
        if (op.size === 0) {
          assert.equal(q, 0, `${what}: realloc(p, 0) returns 0`);
          model.remove(p);
          break;
        }
        if (q === 0 && cfg.mayFail) {
          assertPattern(heap, p, old.size, old.fill, `${what}: failed realloc left the block`);
          failed(what);
          break;
        }
        model.remove(p);
        assertPlacement(heap, model, q, op.size, 8, what);
        if (q !== p) { calls.movedReallocs++; cov.moved++; } else cov.inPlace++;
        const keep = Math.min(old.size, op.size);
        const bad = patternMismatch(heap, q, keep, old.fill);
        if (bad >= 0) assert.fail(`${what}: realloc ${p} -> ${q} lost byte ${bad} of ${keep}`);
        writePattern(heap, q, op.size, old.fill, keep);
        model.add(q, op.size, old.fill);
        break;
      }
      case 'free': {
        calls.free++;
        const p = model.pick(op.pick);
        if (p === 0) {
          heap.free(0); // free(0) is a no-op
          break;
        }
        const b = model.live.get(p)!;
        assertPattern(heap, p, b.size, b.fill, `${what} before free`);
        heap.free(p);
        model.remove(p);
        break;
      }
      case 'aligned': {
        calls.alignedAlloc++;
        const align = 2 ** op.alignLog;
        const p = heap.alignedAlloc(align, op.size);
        if (p === 0 && cfg.mayFail) { failed(what); break; }
        assertPlacement(heap, model, p, op.size, align, what);
        calls.allocs++;
        const fill = model.newFill();
        writePattern(heap, p, op.size, fill);
        model.add(p, op.size, fill, align);
        break;
      }
      case 'trim': {
        const before = heap.stats().heapSize;
        const released = heap.trim(op.pad);
        const after = heap.stats().heapSize;
        assert.ok(released >= 0, `${what}: trim returned ${released}`);
        assert.equal(before - after, released, `${what}: trim's result is how far the break fell`);
        if (released > 0) cov.trims++;
        break;
      }
    }
    heap.check();
    assertStats(heap, model, what, calls);
    assertEdges(heap, model, what);
    if (i % cfg.fullEvery === cfg.fullEvery - 1) assertHeapMatches(heap, model, what, calls);
  });
  // (mapped blocks are not checked for page alignment here once realloc has moved them:
  // see 'a page run stays page-aligned when realloc grows it at the top' in heap-features)
  assertHeapMatches(heap, model, 'after the sequence', calls);
  const s = heap.stats();
  cov.ops += ops.length;
  cov.grows += s.osGrows;
  cov.shrinks += s.osShrinks;
  return { model, calls };
}

/** The end of every run: free everything, check, trim, and the heap is empty and usable. */
function finish(heap: Heap, model: Model, calls: Calls): void {
  freeAll(heap, model, calls);
  assertHeapMatches(heap, model, 'after freeing everything', calls);
  heap.trim();
  const blocks = assertHeapMatches(heap, model, 'after trim()', calls);
  const s = heap.stats();
  assert.equal(s.liveBlocks, 0);
  assert.equal(s.liveBytes, 0);
  assert.equal(s.usedBytes, 0);
  assert.ok(blocks.every((b) => b.state === 'free' || b.state === 'top' || b.state === 'reserved' || b.state === 'metadata'),
    `blocks after freeing everything: ${[...new Set(blocks.map((b) => b.state))].join(', ')}`);
  // trim() gave the free top back: at most a page of free memory stays between the heap start and the break
  const kept = blocks.filter((b) => b.state !== 'metadata').reduce((n, b) => n + b.size, 0);
  assert.ok(kept <= 4096, `${kept} free bytes kept below the break after freeing everything and trim()`);
  const p = heap.malloc(100);
  assert.notEqual(p, 0, 'a fresh malloc after trim()');
  writePattern(heap, p, 100, 77);
  heap.check();
  assertPattern(heap, p, 100, 77, 'fresh block after trim()');
  heap.free(p);
  heap.check();
}

function config(opts: Partial<HeapOptions>, mayFail: boolean, fullEvery: number): RunConfig {
  return { mayFail, fullEvery, pageSize: opts.pageSize ?? 4096, mmapThreshold: opts.mmapThreshold ?? 128 * 1024 };
}

function modelProperty(allocator: AllocatorName, backing: BackingKind, numRuns: number, maxOps: number): void {
  const cov = newCoverage();
  fc.assert(
    fc.property(optionsArb, fc.array(opArb(48 * 1024), { minLength: 1, maxLength: maxOps, size: 'max' }), (opts, ops) => {
      const heap = createHeap({ ...opts, allocator, backing, maxSize: 64 * 1024 * 1024 });
      const { model, calls } = runOps(heap, ops, config(opts, false, 8), cov);
      finish(heap, model, calls);
    }),
    { numRuns, includeErrorInReport: true },
  );
  // the generator really reached the interesting paths
  assert.ok(cov.ops >= numRuns * 20, `only ${cov.ops} ops in ${numRuns} runs`);
  assert.ok(cov.moved > 0 && cov.inPlace > 0 && cov.grows > 0 && cov.trims > 0, JSON.stringify(cov));
  if (EXPECTS_PAGE_RUNS.has(allocator)) assert.ok(cov.mapped > 0, `no page run: ${JSON.stringify(cov)}`);
  if (backing === 'resizable') assert.ok(cov.shrinks > 0, `no backing shrink on 'resizable': ${JSON.stringify(cov)}`);
}

// The conformance suite: every general-purpose policy, every backing.
for (const allocator of generalAllocatorNames()) {
  const runs = allocator === 'segfit' ? 1 : 0.5;

  test(`${allocator} model: arraybuffer backing (default), random sequences`, () => {
    modelProperty(allocator, 'arraybuffer', Math.round(500 * runs), 200);
  });

  for (const backing of BACKINGS.filter((b) => b !== 'arraybuffer')) {
    test(`${allocator} model: ${backing} backing, random sequences`, () => {
      modelProperty(allocator, backing, Math.round(150 * runs), 200);
    });
  }

  test(`${allocator} model: long sequences of small blocks (bins, coalescing)`, () => {
    const smallOp = fc.oneof(
      { weight: 5, arbitrary: fc.record({ t: fc.constant('malloc' as const), size: fc.integer({ min: 0, max: 600 }) }) },
      { weight: 4, arbitrary: fc.record({ t: fc.constant('free' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('realloc' as const), pick: fc.nat(), size: fc.integer({ min: 0, max: 1200 }) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('aligned' as const), alignLog: fc.integer({ min: 3, max: 8 }), size: fc.integer({ min: 0, max: 300 }) }) },
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(fc.array(smallOp, { minLength: 50, maxLength: 600, size: 'max' }), (ops) => {
        const heap = createHeap({ allocator, maxSize: 16 * 1024 * 1024 });
        const { model, calls } = runOps(heap, ops, config({}, false, 25), newCoverage());
        finish(heap, model, calls);
      }),
      { numRuns: Math.round(60 * runs), includeErrorInReport: true },
    );
  });

  test(`${allocator} model: a small maxSize (256 KiB): a 0 return leaves every block and the heap intact`, () => {
    const backingArb = fc.constantFrom(...BACKINGS);
    const cov = newCoverage();
    fc.assert(
      fc.property(backingArb, optionsArb, fc.array(opArb(96 * 1024), { minLength: 1, maxLength: 150, size: 'max' }), (backing, opts, ops) => {
        const heap = createHeap({ ...opts, allocator, initialSize: 65536, backing, maxSize: 256 * 1024 });
        const { model, calls } = runOps(heap, ops, config(opts, true, 8), cov);
        const s = heap.stats();
        assert.ok(s.backingSize <= 256 * 1024, `backing ${s.backingSize} grew past maxSize`);
        assert.ok(s.peakHeapSize <= 256 * 1024);
        finish(heap, model, calls);
      }),
      { numRuns: Math.round(200 * runs), includeErrorInReport: true },
    );
    assert.ok(cov.zeroReturns >= (allocator === 'segfit' ? 20 : 10), `only ${cov.zeroReturns} allocations returned 0: the limit was hardly reached`);
  });

  test(`${allocator} model: a small maxSize heap filled to the brim keeps working`, () => {
    for (const backing of BACKINGS) {
      const heap = createHeap({ allocator, backing, maxSize: 256 * 1024, mmapThreshold: MMAP_THRESHOLD });
      const model = new Model();
      let failures = 0;
      // fill with mixed sizes until many requests fail
      for (let i = 0; failures < 20 && i < 10000; i++) {
        const size = [24, 300, 5000, 20000][i % 4];
        const p = heap.malloc(size);
        if (p === 0) { failures++; continue; }
        assertPlacement(heap, model, p, size, 8, `fill ${i}`);
        const fill = model.newFill();
        writePattern(heap, p, size, fill);
        model.add(p, size, fill);
      }
      assert.equal(failures, 20, `${backing}: the heap never filled up`);
      assertHeapMatches(heap, model, `${backing} full`);
      // free every other block, then small allocations succeed again
      let k = 0;
      for (const p of [...model.live.keys()]) if (k++ % 2 === 0) { heap.free(p); model.remove(p); }
      const p = heap.malloc(24);
      assert.notEqual(p, 0, `${backing}: malloc after freeing half`);
      writePattern(heap, p, 24, 9);
      model.add(p, 24, 9);
      assertHeapMatches(heap, model, `${backing} after refill`);
      freeAll(heap, model);
      heap.trim();
      assertHeapMatches(heap, model, `${backing} emptied`);
    }
  });
}

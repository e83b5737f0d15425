/**
 * Features around the C functions: attachHeap, growth seen by a second Heap,
 * trim and shrinking backings, out of memory, page runs, blocks(), realloc in
 * place, events, the static area, a heap at a base inside a WebAssembly.Memory.
 * (Replaying the malloc-lab traces with full verification is done by
 * test/trace-replay.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HeapError, OutOfMemoryError, attachHeap, createHeap, type BackingKind, type Heap, type HeapEvent,
} from '../src/index.js';
import {
  BACKINGS, Model, assertHeapMatches, assertPattern, assertPlacement, freeAll, roundUp8, thrown, writePattern,
} from './support/heap-verify.js';

function alloc(heap: Heap, model: Model, size: number): number {
  const p = heap.malloc(size);
  assertPlacement(heap, model, p, size, 8, `malloc(${size})`);
  const fill = model.newFill();
  writePattern(heap, p, size, fill);
  model.add(p, size, fill);
  return p;
}

function release(heap: Heap, model: Model, p: number): void {
  const b = model.live.get(p)!;
  assertPattern(heap, p, b.size, b.fill, `before free(${p})`);
  heap.free(p);
  model.remove(p);
}

// ───────────────────────────────────────────── attachHeap

for (const backing of ['shared', 'wasm', 'resizable'] as const) {
  test(`attachHeap (${backing}): two Heaps share blocks, frees, and growth`, () => {
    const a = createHeap({ backing, maxSize: 64 * 1024 * 1024 });
    const model = new Model();
    const pa = [0, 1, 2, 3, 4].map((i) => alloc(a, model, 50 + i * 100));
    const b = attachHeap(a.memory);
    assert.equal(b.staticBase, a.staticBase);
    assertHeapMatches(b, model, 'B right after attach');

    // B frees one of A's blocks and allocates; A sees all of it
    release(b, model, pa[2]);
    const q = alloc(b, model, 120);
    assert.ok(a.usableSize(q) >= 120, 'A knows the block B allocated');
    assertPattern(a, q, 120, model.live.get(q)!.fill, 'A reads what B wrote');
    assertHeapMatches(a, model, 'A after B free + malloc');
    assertHeapMatches(b, model, 'B after B free + malloc');

    // B grows the backing a lot; A then uses the new memory through its own views
    const before = a.stats().backingSize;
    const bigs: number[] = [];
    for (let i = 0; i < 40; i++) bigs.push(alloc(b, model, 100 * 1024));
    const grown = a.stats();
    assert.ok(grown.backingSize > before, `backing grew (${before} -> ${grown.backingSize})`);
    assert.ok(grown.osGrows > 0);
    const last = bigs[bigs.length - 1];
    assert.ok(last + 100 * 1024 > before, 'the last block lies in memory added by the growth');
    assertPattern(a, last, 100 * 1024, model.live.get(last)!.fill, 'A reads the new block');
    writePattern(a, last, 100 * 1024, 42);
    model.live.get(last)!.fill = 42;
    assertPattern(b, last, 100 * 1024, 42, 'B reads what A wrote in the new block');
    release(a, model, last);
    assertHeapMatches(a, model, 'A after freeing B\'s block');
    assertHeapMatches(b, model, 'B after A freed its block');

    // A allocates after B's growth; B frees that too
    const r = alloc(a, model, 3000);
    release(b, model, r);
    // a double free through the other Heap is caught
    const e = thrown(() => a.free(pa[2]), 'A frees the block B freed');
    assert.ok(e instanceof HeapError, String(e));
    freeAll(a, model);
    a.trim();
    assertHeapMatches(a, model, 'A emptied');
    assertHeapMatches(b, model, 'B sees A emptied');
    assert.notEqual(b.malloc(10), 0);
    a.check();
  });
}

test('attachHeap on memory without a heap: HeapError BAD_HEAP_MEMORY', () => {
  const memories: Array<[string, ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory]> = [
    ['empty ArrayBuffer', new ArrayBuffer(65536)],
    ['tiny ArrayBuffer', new ArrayBuffer(16)],
    ['empty SharedArrayBuffer', new SharedArrayBuffer(65536)],
    ['empty WebAssembly.Memory', new WebAssembly.Memory({ initial: 1 })],
    ['garbage', (() => { const m = new ArrayBuffer(65536); new Uint8Array(m).fill(0x5a); return m; })()],
  ];
  for (const [what, memory] of memories) {
    const e = thrown(() => attachHeap(memory), what);
    assert.ok(e instanceof HeapError, `${what}: ${String(e)}`);
    assert.equal(e.code, 'BAD_HEAP_MEMORY', what);
  }
  // a heap at base 65536 is not found at base 0, but is at its base
  const mem = new WebAssembly.Memory({ initial: 4 });
  createHeap({ memory: mem, base: 65536 });
  const e = thrown(() => attachHeap(mem, { base: 0 }), 'wrong base');
  assert.ok(e instanceof HeapError && e.code === 'BAD_HEAP_MEMORY', String(e));
  const wrongBase = thrown(() => attachHeap(mem, { base: 65536 + 8 }), 'base off by 8');
  assert.ok(wrongBase instanceof HeapError && wrongBase.code === 'BAD_HEAP_MEMORY', String(wrongBase));
  const h = attachHeap(mem, { base: 65536 });
  h.check();
  assert.notEqual(h.malloc(10), 0);
  h.check();
  // memory of the wrong kind is memory it cannot use: a HeapError too (#14)
  const notMemory = thrown(() => attachHeap('memory' as never), 'a string');
  assert.ok(notMemory instanceof HeapError && notMemory.code === 'BAD_HEAP_MEMORY', String(notMemory));
});

test('attachHeap on a plain ArrayBuffer: works until the creator grows (copies) it, then throws HeapError', () => {
  const a = createHeap({ backing: 'arraybuffer', initialSize: 65536 });
  const model = new Model();
  const p = alloc(a, model, 100);
  const b = attachHeap(a.memory);
  assertHeapMatches(b, model, 'B over the same buffer');
  const q = alloc(b, model, 200);
  assert.ok(a.usableSize(q) >= 200);
  // the creator grows the memory by copying: the old buffer is detached
  const big = alloc(a, model, 500 * 1024);
  assert.notEqual(a.memory, b.memory, 'the creator has a new buffer');
  for (const [what, fn] of [
    ['malloc', () => b.malloc(10)], ['free', () => b.free(p)], ['check', () => b.check()], ['stats', () => b.stats()],
  ] as Array<[string, () => unknown]>) {
    const e = thrown(fn, `B.${what} after the creator grew`);
    assert.ok(e instanceof HeapError, `B.${what}: ${String(e)}`);
  }
  // the creator is unaffected
  assertHeapMatches(a, model, 'A after growing');
  release(a, model, big);
  release(a, model, p);
  release(a, model, q);
  a.check();
});

// ───────────────────────────────────────────── trim and shrinking

test('trim on a resizable backing: ~8 MiB freed goes back to the OS layer', () => {
  // trim() gives back everything above the break (rounded to 4 KiB pages, never below
  // initialSize); automatic trims keep a decaying high-water mark (no shrink/regrow thrash),
  // and freeing the blocks one by one from the top still gives most of them back.
  for (const trimThreshold of [0, 64 * 1024, undefined, 1024 * 1024]) {
    for (const explicit of [false, true]) {
      const heap = createHeap({ backing: 'resizable', maxSize: 64 * 1024 * 1024, trimThreshold });
      const slack = trimThreshold ?? 128 * 1024;
      const model = new Model();
      alloc(heap, model, 1000);
      const startLength = (heap.memory as ArrayBuffer).byteLength;
      const ps: number[] = [];
      for (let i = 0; i < 128; i++) ps.push(alloc(heap, model, 64 * 1024 - 64));
      const grownLength = (heap.memory as ArrayBuffer).byteLength;
      assert.ok(grownLength >= startLength + 8 * 1024 * 1024 - 128 * 1024, `grew to ${grownLength}`);
      for (const p of explicit ? ps : ps.reverse()) release(heap, model, p);
      // With a large trimThreshold few automatic trims happen (one per trimThreshold freed)
      // and the decaying mark may keep the buffer: an explicit trim() gives it back.
      const trimmed = explicit || slack > 128 * 1024;
      if (trimmed) heap.trim();
      const s = heap.stats();
      const length = (heap.memory as ArrayBuffer).byteLength;
      const what = `trimThreshold ${trimThreshold}, ${explicit ? 'trim()' : 'automatic'}`;
      assert.ok(s.heapSize < 64 * 1024 + slack, `${what}: heapSize ${s.heapSize} after the trim`);
      if (trimmed) {
        assert.equal(length, Math.max(startLength, Math.ceil(s.heapSize / 4096) * 4096),
          `${what}: byteLength ${grownLength} -> ${length} (break ${s.heapSize})`);
      }
      assert.ok(length <= grownLength / 2, `${what}: byteLength ${grownLength} -> ${length}`);
      assert.equal(s.backingSize, length);
      assert.ok(s.osShrinks > 0, `${what}: osShrinks counted`);
      assert.equal(s.backingSize, s.osBytesGrown - s.osBytesReturned + startLength, `${what}: grown - returned = how far the backing moved`);
      assertHeapMatches(heap, model, `${what}: after the trim`);
      // still works, including growing again
      for (let i = 0; i < 20; i++) alloc(heap, model, 64 * 1024);
      assertHeapMatches(heap, model, `${what}: after growing again`);
      freeAll(heap, model);
      heap.check();
    }
  }
});

test('trim() returns exactly how far the break fell', () => {
  // trimThreshold 0: releasing the top region tail inside trim() must not hide the release from its result
  for (const trimThreshold of [0, 64, 128 * 1024]) {
    const heap = createHeap({ trimThreshold });
    const p = heap.malloc(0);
    const before = heap.stats().heapSize;
    const released = heap.trim();
    const after = heap.stats().heapSize;
    assert.equal(released, before - after, `trimThreshold ${trimThreshold}: trim() returned ${released}, the break fell ${before} -> ${after}`);
    heap.free(p);
    heap.check();
  }
});

// ───────────────────────────────────────────── placement: size-class regions and the break

test('a region tail at the top is absorbed when the break must rise for a large block', () => {
  // short1-bal's pattern: a small block cuts a region out of the free top; the
  // next large block must start right after that small block, not after the
  // region's unused rest (which would stay unused at the heap's peak)
  const heap = createHeap();
  const a = heap.malloc(2040);
  const b = heap.malloc(2040);
  heap.free(b); // b's chunk is now the free top
  const small = heap.malloc(48);
  const large = heap.malloc(4072);
  assert.equal(large, small + heap.usableSize(small) + 8, `large block at ${large}, small block at ${small}`);
  heap.free(small);
  heap.free(a);
  heap.free(large);
  heap.check();
});

test('a pattern replayed on the emptied heap needs no more memory than the first time', () => {
  // short1-bal: the second time round the top is already free, so the large
  // blocks come from the free top chunk instead of raising the break; a region
  // tail right below that chunk must not be left under them either
  const ops: Array<[string, number, number]> = [
    ['a', 0, 2040], ['a', 1, 2040], ['f', 1, 0], ['a', 2, 48], ['a', 3, 4072], ['f', 3, 0],
    ['a', 4, 4072], ['f', 0, 0], ['f', 2, 0], ['a', 5, 4072], ['f', 4, 0], ['f', 5, 0],
  ];
  const heap = createHeap({ trimThreshold: 1 << 20 }); // keep the free top between rounds
  const peaks: number[] = [];
  for (let round = 0; round < 3; round++) {
    const ptr: number[] = [];
    let peak = 0;
    for (const [op, id, size] of ops) {
      if (op === 'a') ptr[id] = heap.malloc(size);
      else heap.free(ptr[id]);
      peak = Math.max(peak, heap.stats().heapSize);
    }
    peaks.push(peak);
    heap.check();
  }
  assert.deepEqual(peaks, [peaks[0], peaks[0], peaks[0]], `peak heap size per round: ${peaks.join(', ')}`);
});

test('a region tail and the free space around it are reused before the heap grows', () => {
  const heap = createHeap();
  const x = heap.malloc(3000);
  const guard = heap.malloc(3000); // keeps x off the top
  heap.free(x);
  const small = heap.malloc(40); // its region is cut from x's free chunk: [small | tail][free rest][guard]
  const before = heap.stats().heapSize;
  const freeRest = heap.stats().largestFreeBlock;
  // the free rest alone is too small: only merged with the region's tail before it does it fit
  const c = heap.malloc(2900);
  assert.ok(freeRest < 2900 + 8, `setup: a free chunk of ${freeRest} bytes fits on its own`);
  assert.equal(heap.stats().heapSize, before, 'the heap grew although the region tail + the free rest fit the request');
  assert.ok(c < guard, `the block went to ${c}, after the guard at ${guard}`);
  heap.check();
  for (const p of [small, guard, c]) heap.free(p);
  heap.check();
});

test('a region taken from the top strands at most 1/64 of the heap above the live data', () => {
  const heap = createHeap({ maxSize: 64 * 1024 * 1024 });
  const kept: number[] = [];
  for (let i = 0; i < 1500; i++) kept.push(heap.malloc(400)); // about 600 KiB of one size group
  const before = heap.stats().heapSize;
  kept.push(heap.malloc(16)); // the first block of another group: a new region at the top
  const rise = heap.stats().heapSize - before;
  // a whole region would be 1/32 of the heap (about 19 KiB here)
  assert.ok(rise > 0 && rise <= before / 64 + 8, `the break rose by ${rise} bytes for one 16-byte block (heap ${before})`);
  for (let i = 0; i < 2000; i++) kept.push(heap.malloc(16)); // the group's next regions follow at the top
  heap.check();
  for (const p of kept) heap.free(p);
  heap.check();
});

// ───────────────────────────────────────────── out of memory

for (const backing of BACKINGS) {
  test(`out of memory at maxSize (${backing}): 0, or OutOfMemoryError with onOutOfMemory 'throw'; the heap keeps working`, () => {
    for (const onOutOfMemory of ['null', 'throw'] as const) {
      const maxSize = 512 * 1024;
      const heap = createHeap({ backing, maxSize, onOutOfMemory });
      const model = new Model();
      let failure: unknown = null;
      for (let i = 0; i < 1000 && failure === null; i++) {
        try {
          const p = heap.malloc(20 * 1024);
          if (p === 0) { failure = 0; break; }
          writePattern(heap, p, 20 * 1024, i & 255);
          model.add(p, 20 * 1024, i & 255);
        } catch (e) {
          failure = e;
        }
      }
      if (onOutOfMemory === 'null') assert.equal(failure, 0, 'malloc returned 0');
      else {
        assert.ok(failure instanceof OutOfMemoryError, String(failure));
        assert.equal(failure.code, 'OUT_OF_MEMORY');
        assert.equal(failure.requested, 20 * 1024);
      }
      const s = heap.stats();
      assert.ok(s.backingSize <= maxSize && s.heapSize <= maxSize, `within maxSize: ${s.backingSize}`);
      assert.ok(s.liveBytes >= maxSize / 2, `filled ${s.liveBytes} of ${maxSize}`);
      assertHeapMatches(heap, model, 'full');
      // free one and allocate again
      release(heap, model, model.pick(3));
      const p = heap.malloc(20 * 1024);
      assert.notEqual(p, 0, 'malloc after freeing a block');
      writePattern(heap, p, 20 * 1024, 7);
      model.add(p, 20 * 1024, 7);
      assertHeapMatches(heap, model, 'after refilling');
      freeAll(heap, model);
      heap.check();
    }
  });
}

// ───────────────────────────────────────────── page runs (mmap threshold)

test('requests >= mmapThreshold are page runs: state mapped, page-aligned; free unmaps and lowers the break', () => {
  for (const backing of BACKINGS) {
    for (const pageSize of [4096, 16384]) {
      const heap = createHeap({ backing, mmapThreshold: 8192, pageSize });
      const model = new Model();
      const small = alloc(heap, model, 100);
      const big = alloc(heap, model, 9000);
      assert.equal(big % pageSize, 0, 'page-aligned payload');
      const info = heap.blocks().find((b) => b.ptr === big);
      assert.ok(info, 'blocks() lists the run');
      assert.equal(info.state, 'mapped');
      assert.equal(info.requested, 9000);
      assert.equal(info.size % pageSize, 0, 'a whole number of pages');
      assert.equal(heap.blocks().find((b) => b.ptr === small)?.state, 'used');
      let s = heap.stats();
      assert.equal(s.runsMapped, 1);
      assert.equal(s.mappedBytes, info.size);
      assert.equal(info.offset + info.size, s.heapSize - 8, 'the run is at the top');
      const sizeBefore = s.heapSize;
      release(heap, model, big);
      s = heap.stats();
      assert.equal(s.runsUnmapped, 1);
      assert.equal(s.mappedBytes, 0);
      assert.ok(s.heapSize <= sizeBefore - info.size, `the break fell: ${sizeBefore} -> ${s.heapSize}`);
      // a run below a used block: unmapped, its memory reusable, break unchanged
      const run2 = alloc(heap, model, 20000);
      alloc(heap, model, 9000);
      const top = heap.stats().heapSize;
      release(heap, model, run2);
      assert.equal(heap.stats().runsUnmapped, 2);
      assert.equal(heap.stats().heapSize, top);
      assertHeapMatches(heap, model, `${backing} page ${pageSize}`, undefined, pageSize);
      freeAll(heap, model);
      heap.check();
    }
  }
});

test('a page run stays page-aligned when realloc grows it at the top', () => {
  // layout.ts: a run is a mapped chunk with a page-aligned payload. realloc of a run at
  // the top with a free lead before it may slide it down; it must not stay 'mapped' unaligned.
  for (const [size, grow] of [[8180, 8185], [20000, 25000]]) {
    const heap = createHeap({ mmapThreshold: 8192 });
    const p = heap.malloc(size);
    assert.equal(p % 4096, 0);
    writePattern(heap, p, size, 3);
    const q = heap.realloc(p, grow);
    assert.notEqual(q, 0);
    assertPattern(heap, q, size, 3, 'realloc kept the contents');
    heap.check();
    const b = heap.blocks().find((x) => x.ptr === q)!;
    if (b.state === 'mapped') {
      assert.equal(q % 4096, 0, `realloc(${p}, ${grow}) -> ${q}: a 'mapped' block whose payload is not page-aligned`);
    }
  }
});

// ───────────────────────────────────────────── blocks(), realloc in place

test('blocks() covers [heapStart, break) contiguously, the sentinel last; sizes + metadata + static = heapSize', () => {
  for (const staticSize of [0, 20, 4096]) {
    const heap = createHeap({ staticSize, mmapThreshold: 8192 });
    const model = new Model();
    const ps = [10, 600, 5000, 9000, 24, 24, 3000].map((n) => alloc(heap, model, n));
    release(heap, model, ps[1]);
    release(heap, model, ps[4]);
    const blocks = heap.blocks();
    const s = heap.stats();
    assert.equal(blocks[0].offset, heap.staticBase + roundUp8(staticSize), 'first block right after the static area');
    for (let i = 1; i < blocks.length; i++) assert.equal(blocks[i].offset, blocks[i - 1].offset + blocks[i - 1].size);
    const sum = blocks.reduce((t, b) => t + b.size, 0);
    assert.equal(sum + s.metadataBytes + roundUp8(s.staticSize), s.heapSize);
    assert.deepEqual(blocks[blocks.length - 1], { ptr: s.heapSize - 8, offset: s.heapSize - 8, size: 8, state: 'metadata', requested: 0 }, 'the sentinel');
    assert.ok(blocks.some((b) => b.state === 'free'), 'a free block is listed');
    assert.ok(blocks.some((b) => b.state === 'mapped'), 'a mapped block is listed');
    assertHeapMatches(heap, model, `staticSize ${staticSize}`);
  }
});

test('realloc grows in place into a free next block and at the top, and shrinks in place', () => {
  for (const backing of BACKINGS) {
    const heap = createHeap({ backing });
    const model = new Model();
    const a = alloc(heap, model, 1000);
    const b = alloc(heap, model, 2000);
    const c = alloc(heap, model, 1000);
    // c is the last block and the block before it is used: it grows in place, raising the break
    const cInfo = heap.blocks().find((x) => x.ptr === c)!;
    assert.ok(heap.blocks().filter((x) => x.offset > cInfo.offset).every((x) => x.state === 'free' || x.state === 'top' || x.state === 'metadata'),
      `${backing}: c is the last used block`);
    let info = model.remove(c);
    const c2 = heap.realloc(c, 50000);
    assert.equal(c2, c, `${backing}: grew in place at the top`);
    assertPattern(heap, c, 1000, info.fill, 'contents kept at the top');
    writePattern(heap, c, 50000, info.fill, 1000);
    model.add(c, 50000, info.fill);
    assertHeapMatches(heap, model, 'grow at the top');
    // a grows into the free b
    release(heap, model, b);
    info = model.remove(a);
    const a2 = heap.realloc(a, 2500);
    assert.equal(a2, a, `${backing}: grew in place into the free next block`);
    assertPattern(heap, a, 1000, info.fill, 'contents kept');
    writePattern(heap, a, 2500, info.fill, 1000);
    model.add(a, 2500, info.fill);
    assertHeapMatches(heap, model, 'grow into next');
    // shrink in place, the tail becomes free (or is trimmed)
    info = model.remove(c);
    const c3 = heap.realloc(c, 100);
    assert.equal(c3, c, 'shrinks in place');
    assertPattern(heap, c, 100, info.fill, 'contents kept on shrink');
    model.add(c, 100, info.fill);
    assert.ok(heap.usableSize(c) < 1000, 'the tail was given back');
    info = model.remove(a);
    assert.equal(heap.realloc(a, 1500), a, 'shrinks in place below a used block');
    model.add(a, 1500, info.fill);
    assert.ok(heap.usableSize(a) < 2000);
    assertHeapMatches(heap, model, 'shrink');
    freeAll(heap, model);
    heap.check();
  }
});

// ───────────────────────────────────────────── events

test('onEvent sees malloc/bin/split/grow/free/coalesce/trim/map/unmap/realloc/done; unsubscribe stops it', () => {
  const heap = createHeap({ mmapThreshold: 8192, trimThreshold: 2 ** 31 });
  const events: HeapEvent[] = [];
  const off = heap.onEvent((e) => events.push(e));
  const second: HeapEvent[] = [];
  const off2 = heap.onEvent((e) => second.push(e));
  const a = heap.malloc(1000);
  const b = heap.malloc(1000);
  const c = heap.malloc(1000);
  heap.malloc(1000);
  heap.free(a);
  heap.free(c);
  heap.free(b); // coalesces with both
  const d = heap.malloc(600); // from the coalesced free block: split
  const big = heap.malloc(20000); // a page run
  heap.free(big);
  const e2 = heap.realloc(d, 700);
  heap.free(e2);
  heap.trim();
  const types = new Set(events.map((e) => e.type));
  for (const t of ['malloc', 'bin', 'split', 'grow', 'done', 'free', 'coalesce', 'trim', 'map', 'unmap', 'realloc'] as const) {
    assert.ok(types.has(t), `no '${t}' event: saw ${[...types].join(', ')}`);
  }
  assert.deepEqual(second, events, 'both listeners got the same events');
  const map = events.find((e) => e.type === 'map') as Extract<HeapEvent, { type: 'map' }>;
  assert.equal(map.ptr, big);
  const unmap = events.find((e) => e.type === 'unmap') as Extract<HeapEvent, { type: 'unmap' }>;
  assert.equal(unmap.ptr, big);
  const frees = events.filter((e) => e.type === 'free') as Array<Extract<HeapEvent, { type: 'free' }>>;
  assert.deepEqual(frees.slice(0, 4).map((e) => e.ptr), [a, c, b, big], 'free events in call order');
  assert.ok(frees.some((e) => e.ptr === e2), 'free of the realloc result reported');
  const trims = events.filter((e) => e.type === 'trim') as Array<Extract<HeapEvent, { type: 'trim' }>>;
  assert.ok(trims.every((t) => t.released === t.from - t.to && t.released > 0));
  const grows = events.filter((e) => e.type === 'grow') as Array<Extract<HeapEvent, { type: 'grow' }>>;
  assert.ok(grows.every((g) => g.to > g.from && g.backing >= g.to));
  // unsubscribe: the first listener stops, the second continues
  off();
  const n = events.length;
  const m = second.length;
  heap.free(heap.malloc(50));
  assert.equal(events.length, n, 'no events after unsubscribe');
  assert.ok(second.length > m, 'the other listener still hears');
  off2();
  off2(); // twice is harmless
  heap.free(heap.malloc(5000));
  assert.equal(second.length > m, true);
  const m2 = second.length;
  heap.free(heap.malloc(70));
  assert.equal(second.length, m2);
  assert.throws(() => heap.onEvent('x' as never), TypeError);
  heap.check();
});

// ───────────────────────────────────────────── static area

test('staticSize reserves [staticBase, staticBase + staticSize): mallocs never overlap it', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...BACKINGS), fc.integer({ min: 1, max: 20000 }),
      fc.array(fc.integer({ min: 0, max: 12000 }), { minLength: 1, maxLength: 60 }),
      (backing: BackingKind, staticSize, sizes) => {
        const heap = createHeap({ backing, staticSize, mmapThreshold: 8192 });
        const base = heap.staticBase;
        assert.equal(heap.stats().staticSize, staticSize);
        const u8 = heap.u8;
        for (let i = 0; i < staticSize; i++) assert.equal(u8[base + i], 0, 'the static area starts zeroed');
        writePattern(heap, base, staticSize, 123);
        const model = new Model();
        sizes.forEach((n, i) => {
          const p = alloc(heap, model, n);
          assert.ok(p >= base + staticSize, `malloc(${n}) = ${p} inside the static area [${base}, ${base + staticSize})`);
          if (i % 3 === 2) release(heap, model, model.pick(i));
        });
        assertHeapMatches(heap, model, 'static workload');
        freeAll(heap, model);
        heap.trim();
        assertPattern(heap, base, staticSize, 123, 'static area');
        heap.check();
      },
    ),
    { numRuns: 60, includeErrorInReport: true },
  );
});

// ───────────────────────────────────────────── a heap at a base in a WebAssembly.Memory

test('wasm memory with a base: bytes below the base are never touched', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 30000 }), fc.boolean()), { minLength: 1, maxLength: 120 }),
      fc.constantFrom(65536, 8, 4096 + 8, 100000),
      (ops, base) => {
        const memory = new WebAssembly.Memory({ initial: 4, maximum: 512 });
        const below = new Uint8Array(memory.buffer, 0, base);
        for (let i = 0; i < base; i++) below[i] = (i * 13 + 7) & 255;
        const heap = createHeap({ memory, base, mmapThreshold: 8192, staticSize: 32 });
        assert.equal(heap.memory, memory);
        const model = new Model();
        ops.forEach(([n, free], i) => {
          const p = alloc(heap, model, n);
          assert.ok(p >= base, `block ${p} below the base ${base}`);
          if (free) release(heap, model, model.pick(i * 7));
        });
        assertHeapMatches(heap, model, `base ${base}`);
        // another Heap finds it at its base
        const other = attachHeap(memory, { base });
        assertHeapMatches(other, model, 'attached at the base');
        freeAll(heap, model);
        heap.trim();
        heap.check();
        const now = new Uint8Array(memory.buffer, 0, base);
        for (let i = 0; i < base; i++) {
          if (now[i] !== ((i * 13 + 7) & 255)) assert.fail(`byte ${i} below the base ${base} was changed`);
        }
      },
    ),
    { numRuns: 40, includeErrorInReport: true },
  );
});

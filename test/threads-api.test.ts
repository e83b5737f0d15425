/**
 * The thread-shared heap's API in one thread: several SharedHeap objects over
 * one memory behave like several threads (each has its own arena), so cross-
 * arena frees, double frees, detach/adoption and reclaimThread can be tested
 * deterministically here; real concurrency is in threads-stress.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DoubleFreeError, HeapError, InvalidPointerError, attachHeap, attachSharedHeap, createHeap, createSharedHeap, heapErrorCode,
  SharedHeap,
} from '../src/index.js';
import {
  A_CUR, A_DELAYED, A_DRAIN, A_QUEUE, ARENA_TABLE_BYTE, ARENA_WORDS, CLASS_COUNT, CLASS_SIZE, FREE_TAG, P_FREE, SMALL_MAX_NEED,
  classOf,
} from '../src/threads/layout.js';

test('size classes: classOf gives the smallest class that holds the request', () => {
  assert.equal(CLASS_SIZE.length, CLASS_COUNT);
  assert.equal(CLASS_SIZE[CLASS_COUNT - 1], SMALL_MAX_NEED);
  for (let need = 1; need <= SMALL_MAX_NEED; need++) {
    const c = classOf(need);
    assert.ok(CLASS_SIZE[c] >= need && (c === 0 || CLASS_SIZE[c - 1] < need), `need ${need} -> class ${c}`);
  }
});

test('createSharedHeap / attachHeap: a SharedHeap per thread over the same memory', () => {
  const a = createSharedHeap({ maxSize: 32 << 20 });
  assert.ok(a instanceof SharedHeap);
  assert.ok(a.memory instanceof SharedArrayBuffer);
  const b = attachHeap(a.memory);
  assert.ok(b instanceof SharedHeap);
  assert.equal(b.policyName, 'threads');
  const p = a.malloc(100);
  const q = b.malloc(100);
  assert.notEqual((b as SharedHeap).arenaId, a.arenaId, 'each object allocates from its own arena');
  a.u8.fill(7, p, p + 100);
  assert.equal(b.u8[p + 99], 7, 'both see the same bytes');
  assert.ok(a.usableSize(p) >= 100 && p % 8 === 0);
  b.free(p); // cross-arena free
  a.free(q);
  a.check();
  const s = a.stats();
  assert.equal(s.liveBlocks, 2, 'the cross-arena frees wait on the owners\' delayed lists until collected');
  a.trim();
  (b as SharedHeap).trim();
  assert.equal(a.stats().liveBlocks, 0);
  a.check();
});

test('errors: invalid pointers, double frees (also across arenas), before anything changes', () => {
  const a = createSharedHeap({ maxSize: 32 << 20 });
  const b = attachSharedHeap(a.memory as SharedArrayBuffer);
  const p = a.malloc(40);
  const keep = a.malloc(40); // keeps p's span mapped after p is freed
  const big = a.malloc(100_000);
  assert.throws(() => a.free(p + 8), InvalidPointerError);
  assert.throws(() => a.free(p + 3), InvalidPointerError);
  assert.throws(() => a.free(big + 64), InvalidPointerError);
  assert.throws(() => a.free(8), InvalidPointerError);
  assert.throws(() => a.free(a.stats().heapSize + 64), InvalidPointerError);
  assert.throws(() => a.free(1.5), InvalidPointerError);
  assert.throws(() => a.free('64' as unknown as number), InvalidPointerError);
  b.free(p); // another arena frees it: PENDING
  assert.throws(() => b.free(p), DoubleFreeError);
  assert.throws(() => a.free(p), DoubleFreeError);
  assert.throws(() => a.realloc(p, 10), DoubleFreeError);
  a.trim(); // collected: FREE
  assert.throws(() => a.free(p), DoubleFreeError);
  assert.throws(() => b.free(p), DoubleFreeError);
  a.free(keep);
  a.trim(); // the span is empty: unmapped, so p is no pointer at all any more
  assert.throws(() => a.free(p), InvalidPointerError);
  b.free(big);
  assert.throws(() => a.free(big), InvalidPointerError, 'a freed large span is unmapped');
  a.check();
  assert.equal(a.stats().liveBlocks, 0);
  const q = a.malloc(40);
  a.free(q);
  const e = (() => { try { a.free(q); } catch (err) { return err; } })();
  assert.equal(heapErrorCode(structuredClone(e)), 'DOUBLE_FREE');
});

test('malloc/calloc/realloc/alignedAlloc semantics across classes and large spans', () => {
  const a = createSharedHeap({ maxSize: 64 << 20 });
  const b = attachSharedHeap(a.memory as SharedArrayBuffer);
  const z = a.malloc(0);
  assert.notEqual(z, 0);
  assert.notEqual(a.malloc(0), z, 'malloc(0) blocks are unique');
  let p = a.malloc(10);
  for (let i = 0; i < 10; i++) a.u8[p + i] = i;
  for (const n of [20, 300, 5000, 40_000, 300_000, 100, 7]) {
    p = a.realloc(p, n);
    for (let i = 0; i < Math.min(n, 10); i++) assert.equal(a.u8[p + i], i, `byte ${i} after realloc to ${n}`);
    assert.ok(a.usableSize(p) >= n);
  }
  const moved = b.realloc(p, 20_000); // realloc by another arena moves it there
  assert.equal(a.u8[moved + 6], 6);
  for (const al of [16, 64, 4096, 65536, 1 << 20]) {
    const q = a.alignedAlloc(al, 1000);
    assert.equal(q % al, 0, `alignment ${al}`);
    a.free(q);
  }
  const c = a.calloc(100, 10);
  assert.ok(a.u8.subarray(c, c + 1000).every((x) => x === 0));
  assert.equal(a.realloc(c, 0), 0);
  b.free(moved);
  b.trim();
  a.check();
  assert.equal(a.malloc(2 ** 33), 0, 'beyond maxSize: 0');
  const t = createSharedHeap({ maxSize: 1 << 20, onOutOfMemory: 'throw' });
  assert.throws(() => t.malloc(4 << 20), (e: unknown) => heapErrorCode(e) === 'OUT_OF_MEMORY');
});

test('growth: a heap attached before the buffer grew frees blocks beyond its old views', () => {
  const a = createSharedHeap({ maxSize: 256 << 20, initialSize: 0 });
  const b = attachSharedHeap(a.memory as SharedArrayBuffer);
  b.free(b.malloc(8)); // b has views now
  const before = a.stats().backingSize;
  const ps: number[] = [];
  for (let i = 0; i < 200; i++) ps.push(a.malloc(100_000 + i));
  assert.ok(a.stats().backingSize > before && a.stats().osGrows > 0);
  for (const p of ps) b.free(p);
  b.trim();
  a.check();
  assert.equal(a.stats().liveBlocks, 0);
});

test('detach: empty spans go back, live blocks stay with the abandoned arena, the next thread adopts it', () => {
  const a = createSharedHeap({ maxSize: 64 << 20, maxArenas: 2 });
  const ps: number[] = [];
  for (let i = 0; i < 3000; i++) ps.push(a.malloc(i % 500));
  const arena = a.arenaId;
  for (let i = 0; i < 3000; i += 2) a.free(ps[i]);
  a.detach();
  assert.equal(a.arenaId, -1);
  let s = a.stats();
  assert.equal(s.arenas.length, 1);
  assert.equal(s.arenas[0].state, 'abandoned');
  assert.equal(s.liveBlocks, 1500);
  a.check();
  const adopter = attachSharedHeap(a.memory as SharedArrayBuffer);
  adopter.malloc(16);
  assert.equal(adopter.arenaId, arena, 'the abandoned arena is adopted first');
  for (let i = 1; i < 3000; i += 2) adopter.free(ps[i]); // its own blocks now: local frees
  s = adopter.stats();
  assert.equal(s.liveBlocks, 1);
  assert.equal(s.arenas[0].remoteFreesReceived, 0);
  adopter.check();
  // only two arenas: a third allocating thread is refused clearly
  const b = attachSharedHeap(a.memory as SharedArrayBuffer);
  b.malloc(8);
  const c = attachSharedHeap(a.memory as SharedArrayBuffer);
  assert.throws(() => c.malloc(8), (e: unknown) => e instanceof HeapError && /arenas/.test(e.message));
});

test('freeing into an abandoned arena collects it; when empty it becomes free and its pages return', () => {
  const a = createSharedHeap({ maxSize: 64 << 20 });
  const b = attachSharedHeap(a.memory as SharedArrayBuffer);
  const ps: number[] = [];
  for (let i = 0; i < 5000; i++) ps.push(a.malloc(64));
  a.detach();
  const freeBefore = a.stats().freeBlocks;
  for (const p of ps) b.free(p);
  const s = b.stats();
  assert.equal(s.liveBlocks, 0);
  assert.deepEqual(s.arenas, [], 'the abandoned arena is free again (b has not allocated)');
  assert.ok(s.freeBlocks > freeBefore, 'its spans went back to the free pages');
  b.check();
});

test('reclaimThread: a thread that died in the middle of collecting or allocating loses nothing', () => {
  const main = createSharedHeap({ maxSize: 64 << 20 });
  const dead = attachSharedHeap(main.memory as SharedArrayBuffer, { threadId: 7 });
  const ps: number[] = [];
  for (let i = 0; i < 1000; i++) ps.push(dead.malloc(24));
  for (let i = 0; i < 600; i++) main.free(ps[i]); // 600 on dead's delayed list
  // "die" inside drainDelayed: the chain taken into A_DRAIN, one block in hand (A_CUR)
  const u32 = new Uint32Array(main.memory as SharedArrayBuffer, 0, (main.memory as SharedArrayBuffer).byteLength >>> 2);
  const i32 = new Int32Array(u32.buffer, 0, u32.length);
  const aw = (ARENA_TABLE_BYTE >>> 2) + dead.arenaId * ARENA_WORDS;
  u32[aw + A_DRAIN] = Atomics.exchange(i32, aw + A_DELAYED, 0);
  const b = u32[aw + A_DRAIN];
  u32[aw + A_CUR] = b;
  u32[aw + A_DRAIN] = u32[(b + 8) >>> 2];
  assert.throws(() => main.check(), /collecting/, 'check() sees the arena is not quiescent');
  const result = main.reclaimThread(7);
  assert.deepEqual(result.arenas, [dead.arenaId]);
  assert.equal(result.lockBroken, false);
  main.check();
  const s = main.stats();
  assert.equal(s.liveBlocks, 400, 'every block freed before the death is free now');
  assert.equal(s.arenas[0].state, 'abandoned');
  // the survivors free the rest: the abandoned arena is collected and released
  for (let i = 600; i < 1000; i++) main.free(ps[i]);
  main.check();
  assert.equal(main.stats().liveBlocks, 0);
  assert.deepEqual(main.stats().arenas, []);
});

test('reclaimThread: a block popped but not yet tagged is found again by the rebuild', () => {
  const main = createSharedHeap({ maxSize: 64 << 20 });
  const dead = attachSharedHeap(main.memory as SharedArrayBuffer, { threadId: 9 });
  const ps: number[] = [];
  for (let i = 0; i < 100; i++) ps.push(dead.malloc(24));
  for (let i = 0; i < 50; i++) dead.free(ps[i]);
  const u32 = new Uint32Array(main.memory as SharedArrayBuffer, 0, (main.memory as SharedArrayBuffer).byteLength >>> 2);
  const aw = (ARENA_TABLE_BYTE >>> 2) + dead.arenaId * ARENA_WORDS;
  const span = u32[aw + A_QUEUE + classOf(32)];
  const head = u32[(span >>> 2) + P_FREE];
  u32[(span >>> 2) + P_FREE] = u32[(head + 8) >>> 2]; // unlinked, still tagged FREE, then "killed"
  assert.throws(() => main.check());
  main.reclaimThread(9);
  main.check();
  assert.equal(main.stats().liveBlocks, 50);
  for (let i = 50; i < 100; i++) main.free(ps[i]);
  main.check();
  assert.equal(main.stats().liveBlocks, 0);
});

test('a shared WebAssembly.Memory works the same way', () => {
  const a = createSharedHeap({ backing: 'wasm', maxSize: 64 << 20, initialSize: 0 });
  assert.ok(a.memory instanceof WebAssembly.Memory);
  const b = attachHeap(a.memory) as SharedHeap;
  const ps: number[] = [];
  for (let i = 0; i < 100; i++) ps.push(a.malloc(50_000));
  assert.ok(a.stats().osGrows > 0);
  for (const p of ps) b.free(p);
  a.check();
  assert.equal(a.stats().liveBlocks, 0);
});

test('attach refuses memory without a shared heap, and a single-threaded heap', () => {
  assert.throws(() => attachSharedHeap(new SharedArrayBuffer(65536)), (e: unknown) => heapErrorCode(e) === 'BAD_HEAP_MEMORY');
  const single = createHeap({ backing: 'shared' });
  assert.throws(() => attachSharedHeap(single.memory as SharedArrayBuffer), (e: unknown) => heapErrorCode(e) === 'BAD_HEAP_MEMORY');
  assert.throws(() => attachSharedHeap(new ArrayBuffer(8) as unknown as SharedArrayBuffer), TypeError);
  assert.throws(() => createSharedHeap({ maxArenas: 0 }), RangeError);
  assert.throws(() => attachSharedHeap(createSharedHeap().memory as SharedArrayBuffer, { threadId: -1 }), RangeError);
  assert.throws(() => createSharedHeap().onEvent(() => {}), HeapError);
});

test('reclaimThread: a thread that died holding the lock in the middle of freeing a large block', () => {
  const main = createSharedHeap({ maxSize: 64 << 20 });
  const dead = attachSharedHeap(main.memory as SharedArrayBuffer, { threadId: 11 });
  const big = dead.malloc(500_000);
  const small = dead.malloc(100);
  const i32 = new Int32Array(main.memory as SharedArrayBuffer, 0, (main.memory as SharedArrayBuffer).byteLength >>> 2);
  // what freeLarge does under the lock, cut short: lock taken, tag CAS'd to FREE, nothing else
  Atomics.store(i32, 13, 11 + 1);
  Atomics.store(i32, (big - 8) >>> 2, FREE_TAG);
  const result = main.reclaimThread(11);
  assert.equal(result.lockBroken, true);
  assert.ok(result.pagesRepaired >= 1);
  main.check();
  const s = main.stats();
  assert.equal(s.liveBlocks, 1);
  assert.equal(s.largeBlocks, 0);
  assert.equal(s.lockBreaks, 1);
  main.free(small);
  main.check();
  assert.equal(main.stats().liveBlocks, 0);
  assert.throws(() => main.free(big), InvalidPointerError);
});

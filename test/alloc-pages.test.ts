/**
 * The pages allocator's own promises, beyond the conformance suite (heap-model runs it
 * through the contract): size classes, page reuse, the used bit that catches double frees,
 * pointer validation, trim, its events, and check() catching corrupted page metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DoubleFreeError, HeapCorruptionError, InvalidPointerError, attachHeap, createHeap, type Heap, type HeapEvent,
} from '../src/index.js';
import { CLASS_COUNT, CLASS_OF, CLASS_SIZE, Pg, blockIndex, divisorOf, pageCapacity } from '../src/alloc/pages/layout.js';
import { classTable, sizeClasses } from '../src/alloc/size-classes.js';
import { CLASS_SIZE as THREADS_CLASS_SIZE, classOf as threadsClassOf } from '../src/threads/layout.js';
import { findRun } from '../src/alloc/pages/slots.js';
import { Hdr } from '../src/os/header.js';
import { mulberry32 } from '../bench/prng.js';
import { BACKINGS, thrown } from './support/heap-verify.js';
import { flipBitsMissed, type MetaWord } from './support/bit-flips.js';

function pagesHeap(extra: Parameters<typeof createHeap>[0] = {}): Heap {
  return createHeap({ allocator: 'pages', ...extra });
}

test('pages: the class table: 8-byte steps to 128, four classes per power of two to 8 KiB, smallest class that fits', () => {
  assert.deepEqual(CLASS_SIZE.slice(0, 17), [8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 160]);
  assert.equal(CLASS_SIZE[CLASS_COUNT - 1], Pg.SMALL_MAX);
  for (let n = 0; n <= Pg.SMALL_MAX; n++) {
    const c = CLASS_OF[(n + 7) >>> 3];
    assert.ok(CLASS_SIZE[c] >= n && (c === 0 || CLASS_SIZE[c - 1] < n), `class of ${n} is ${CLASS_SIZE[c]}`);
  }
  // every page holds at least 7 blocks, and rounding up wastes at most 1/4 above 128 bytes
  for (const s of CLASS_SIZE) assert.ok(pageCapacity(s) >= 7, `${s}-byte pages hold ${pageCapacity(s)} blocks`);
  for (let c = 17; c < CLASS_COUNT; c++) assert.ok(CLASS_SIZE[c] / CLASS_SIZE[c - 1] <= 1.25 + 1e-9);
});

test('pages: the block index by multiplication is exact for every class and offset in a page', () => {
  for (const s of CLASS_SIZE) {
    const div = divisorOf(s);
    for (let off = 0; off < Pg.SLOT; off += 8) assert.equal(blockIndex(off, div), Math.floor(off / s), `offset ${off}, ${s}-byte blocks`);
  }
});

test('size classes: the thread-shared heap keeps its classes from the shared generator', () => {
  const expected: number[] = [];
  for (let s = 16; s <= 64; s += 8) expected.push(s);
  for (let b = 6; b < 15; b++) for (let k = 1; k <= 4; k++) expected.push((1 << b) + k * (1 << (b - 2)));
  assert.deepEqual(THREADS_CLASS_SIZE, expected);
  const table = classTable(sizeClasses(16, 8, 64, 4, 32768));
  for (let need = 16; need <= 32768; need += 8) assert.equal(table[need >>> 3], threadsClassOf(need), `need ${need}`);
  assert.throws(() => classTable(new Array(300).fill(0).map((_, i) => 8 * (i + 1))), RangeError);
});

test('pages: blocks of one class share a page, with no header between them; freed blocks are reused first (LIFO)', () => {
  const heap = pagesHeap();
  const ps = Array.from({ length: 10 }, () => heap.malloc(20));
  for (let i = 1; i < ps.length; i++) assert.equal(ps[i] - ps[i - 1], 24, 'consecutive 24-byte blocks');
  assert.equal(heap.usableSize(ps[0]), 24);
  heap.free(ps[3]);
  heap.free(ps[7]);
  assert.equal(heap.malloc(17), ps[7]);
  assert.equal(heap.malloc(24), ps[3]);
  // another class: another page
  const q = heap.malloc(100);
  const maps = heap.blocks()[0];
  const slotOf = (p: number): number => Math.floor((p - maps.offset - maps.size) / Pg.SLOT);
  assert.notEqual(slotOf(q), slotOf(ps[0]), 'a 104-byte block lives in another page');
  heap.check();
});

test('pages: a page that empties goes back to the free slots unless it is its class\'s last page; trim() gives everything back', () => {
  const heap = pagesHeap({ trimThreshold: 2 ** 31 });
  const cap = pageCapacity(64);
  const ps = Array.from({ length: cap + 1 }, () => heap.malloc(64)); // two pages
  heap.check();
  const pageCount = (): number => heap.blocks().filter((b) => b.state === 'reserved' || (b.state === 'used' && b.size === 64)).length;
  assert.ok(pageCount() > 0);
  heap.free(ps[cap]); // the second page empties; the first (full) is not in the list: it stays as the class's only listed page
  heap.check();
  for (const p of ps.slice(0, cap)) heap.free(p);
  heap.check();
  assert.equal(heap.stats().liveBlocks, 0);
  const before = heap.stats().heapSize;
  const released = heap.trim();
  assert.ok(released > 0 && heap.stats().heapSize === before - released);
  assert.ok(heap.blocks().every((b) => b.state === 'metadata'), 'after trim only the slot maps remain');
  assert.notEqual(heap.malloc(64), 0);
  heap.check();
});

test('pages: double frees are DoubleFreeError: a lone block, a block of a page given back, a large block in the middle', () => {
  for (const backing of BACKINGS) {
    const heap = pagesHeap({ backing, trimThreshold: 2 ** 31 });
    const lone = heap.malloc(40);
    heap.free(lone);
    assert.ok(thrown(() => heap.free(lone), 'lone') instanceof DoubleFreeError);
    assert.ok(thrown(() => heap.realloc(lone, 8), 'realloc') instanceof DoubleFreeError);
    // a page that empties while another page of its class exists is given back; its blocks stay known
    const cap = pageCapacity(256);
    const ps = Array.from({ length: cap + 2 }, () => heap.malloc(256));
    const last = ps[cap + 1];
    heap.free(ps[cap]);
    heap.free(last);
    assert.ok(thrown(() => heap.free(last), 'freed page') instanceof DoubleFreeError);
    const big = heap.malloc(100000);
    const guard = heap.malloc(100000); // keeps the first large span away from the top
    heap.free(big);
    assert.ok(thrown(() => heap.free(big), 'large') instanceof DoubleFreeError);
    heap.free(guard);
    heap.check();
  }
});

test('pages: interior, misaligned, never-allocated and outside pointers are InvalidPointerError; nothing changes', () => {
  const heap = pagesHeap();
  const p = heap.malloc(40);
  const big = heap.malloc(50000);
  const bad = [p + 8, p + 4, p + 48 * 3, big + 8, big - 8, big - 64, 8, heap.staticBase, heap.stats().heapSize, 2 ** 32 - 8, -8, 1.5, NaN];
  const before = JSON.stringify(heap.stats());
  for (const q of bad) {
    const e = thrown(() => heap.free(q), `free(${q})`);
    assert.ok(e instanceof InvalidPointerError, `free(${q}): ${String(e)}`);
    assert.ok(thrown(() => heap.usableSize(q), `usableSize(${q})`) instanceof InvalidPointerError);
  }
  assert.ok(thrown(() => heap.free('8' as unknown as number), 'string') instanceof InvalidPointerError);
  const after = JSON.parse(JSON.stringify(heap.stats()));
  const was = JSON.parse(before);
  assert.equal(after.liveBlocks, was.liveBlocks);
  assert.equal(after.usedBytes, was.usedBytes);
  heap.check();
});

test('pages: alignedAlloc picks a class whose blocks are multiples of the alignment, or a span of its own', () => {
  const heap = pagesHeap();
  for (let log = 3; log <= 16; log++) {
    const a = 2 ** log;
    for (const n of [1, 24, 200, 5000]) {
      const p = heap.alignedAlloc(a, n);
      assert.equal(p % a, 0, `alignedAlloc(${a}, ${n}) = ${p}`);
      assert.ok(heap.usableSize(p) >= n);
      heap.u8.fill(log, p, p + n);
    }
  }
  heap.check();
});

test('pages: realloc stays in place within the block\'s class, grows a large block in place at the top, and moves otherwise', () => {
  const heap = pagesHeap();
  const p = heap.malloc(100); // a 104-byte block
  heap.u8.fill(7, p, p + 100);
  assert.equal(heap.realloc(p, 104), p);
  assert.equal(heap.realloc(p, 60), p, 'shrinks in place while at least half the block is needed');
  const q = heap.realloc(p, 500);
  assert.notEqual(q, p);
  assert.ok(heap.u8.subarray(q, q + 60).every((x) => x === 7));
  const big = heap.malloc(20000);
  const grown = heap.realloc(big, 300000);
  assert.equal(grown, big, 'the last span grows by raising the break');
  assert.ok(heap.usableSize(grown) >= 300000);
  heap.check();
});

test('pages: a heap whose maxSize leaves no whole slot still serves small and large requests', () => {
  for (const backing of BACKINGS) {
    const heap = pagesHeap({ backing, maxSize: 65536 + 4096 });
    const p = heap.malloc(16);
    assert.notEqual(p, 0, backing);
    heap.free(p);
    const room = heap.stats().backingSize; // capacity is at most maxSize
    const big = heap.malloc(40000);
    assert.notEqual(big, 0, `${backing}: a 40000-byte block in a ${room}-byte heap`);
    heap.check();
    heap.free(big);
    heap.trim();
    heap.check();
  }
});

test('pages: attachHeap sees and frees the same blocks', () => {
  const heap = pagesHeap({ backing: 'shared' });
  const ps = [heap.malloc(10), heap.malloc(3000), heap.malloc(70000)];
  const other = attachHeap(heap.memory as SharedArrayBuffer);
  assert.equal(other.allocator, 'pages');
  for (const p of ps) other.free(p);
  other.check();
  heap.check();
  assert.equal(heap.stats().liveBlocks, 0);
});

test('pages: events name the class and the pages taken and given back', () => {
  const heap = pagesHeap({ trimThreshold: 0 });
  const events: HeapEvent[] = [];
  heap.onEvent((e) => events.push(e));
  const p = heap.malloc(30);
  const big = heap.malloc(200000);
  heap.free(p);
  heap.free(big);
  heap.trim();
  const types = events.map((e) => e.type);
  assert.deepEqual(events.find((e) => e.type === 'pages-class'), { type: 'pages-class', class: CLASS_OF[4], blockSize: 32, page: (events.find((e) => e.type === 'pages-class') as { page: number }).page });
  assert.ok(events.some((e) => e.type === 'pages-page' && e.action === 'take' && e.class === CLASS_OF[4]));
  assert.ok(events.some((e) => e.type === 'pages-page' && e.action === 'take' && e.class === -1 && e.slots === 4));
  assert.ok(events.some((e) => e.type === 'pages-page' && e.action === 'release'));
  assert.ok(events.some((e) => e.type === 'pages-extend'));
  for (const t of ['malloc', 'done', 'free', 'grow', 'trim', 'map', 'unmap']) assert.ok(types.includes(t as HeapEvent['type']), `no ${t} event`);
});

/** A heap with pages of several classes, free and used blocks, reserved capacity and large spans. */
function randomHeap(seed: number): { heap: Heap; live: number[] } {
  const rnd = mulberry32(seed);
  const heap = pagesHeap({ mmapThreshold: 16384, trimThreshold: 2 ** 31 });
  const live: number[] = [];
  for (let i = 0; i < 60 + Math.floor(rnd() * 200); i++) {
    if (rnd() < 0.65 || live.length === 0) {
      const kind = rnd();
      const n = kind < 0.7 ? Math.floor(rnd() * 200) : kind < 0.95 ? Math.floor(rnd() * 6000) : 9000 + Math.floor(rnd() * 30000);
      const p = heap.malloc(n);
      heap.u8.fill(Math.floor(rnd() * 256), p, p + n);
      live.push(p);
    } else {
      heap.free(live.splice(Math.floor(rnd() * live.length), 1)[0]);
    }
  }
  heap.check();
  return { heap, live };
}

test('pages: check() catches every bit flipped in page headers, large span headers, the class heads, the policy words and the slot maps', () => {
  for (const seed of [1, 2, 3]) {
    const { heap } = randomHeap(seed);
    const blocks = heap.blocks();
    const maps = blocks[0];
    const slot0 = maps.offset + maps.size;
    const words: MetaWord[] = [];
    for (const b of blocks) {
      const span = b.state === 'metadata' && b.offset >= slot0 && (b.offset - slot0) % Pg.SLOT === 0 ? b.offset
        : b.ptr !== b.offset ? b.offset : -1;
      if (span < 0) continue;
      for (let w = 0; w <= Pg.PH_SPAN_BYTES; w++) words.push({ word: (span >>> 2) + w, what: `word ${w} of the span at ${span}` });
    }
    const pm = (heap.staticBase - heap.stats().metadataBytes + Hdr.HEADER_BYTES) >>> 2;
    for (let c = 0; c < CLASS_COUNT; c++) words.push({ word: pm + c, what: `list head of class ${c}` });
    for (let c = 0; c < CLASS_COUNT; c++) words.push({ word: pm + Pg.P_CLASS_FREE + c, what: `free count of class ${c}` });
    // (the epoch words are left out: any value is valid, they only tell stats() when to re-read)
    words.push({ word: pm + Pg.P_SLOT0, what: 'slot 0 word' }, { word: pm + Pg.P_MAP_WORDS, what: 'map size word' }, { word: pm + Pg.P_META, what: 'metadata bytes word' });
    for (let w = maps.offset >>> 2; w < slot0 >>> 2; w++) words.push({ word: w, what: `slot map word at ${w * 4}` });
    assert.ok(words.length > 60, `${words.length} words`);
    assert.deepEqual(flipBitsMissed(heap, words), [], `seed ${seed}`);
  }
});

test('pages: check() catches a corrupted requested-size entry or a free-list link', () => {
  const { heap, live } = randomHeap(7);
  const small = live.filter((p) => heap.usableSize(p) <= Pg.SMALL_MAX && heap.blocks().some((b) => b.ptr === p && b.offset === p));
  assert.ok(small.length > 0);
  const p = small[0];
  const pg = heap.blocks().filter((b) => b.state === 'metadata' && b.offset < p).pop()!.offset;
  const u16 = new Uint16Array(heap.u8.buffer, 0, heap.u8.byteLength >>> 1);
  const idx = Math.floor((p - pg - heap.u32[(pg >>> 2) + Pg.PH_FIRST]) / heap.usableSize(p));
  const ri = ((pg + Pg.HEADER) >>> 1) + idx;
  const old = u16[ri];
  for (const v of [0, old + 1, 65535]) {
    u16[ri] = v;
    assert.ok(thrown(() => heap.check(), `req ${v}`) instanceof HeapCorruptionError);
  }
  u16[ri] = old;
  heap.check();
});

test('pages: findRun finds the first run of k set bits, as a bit-by-bit scan does', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 70 }), fc.nat(192), (words, k, cut) => {
    const u32 = Uint32Array.from(words.map((x, i) => (i % 2 === 0 ? x : x % 3 === 0 ? 0xffffffff : x)));
    const count = Math.min(cut, u32.length * 32);
    let expected = -1;
    let run = 0;
    for (let i = 0; i < count; i++) {
      if ((u32[i >>> 5] >>> (i & 31)) & 1) { if (++run === k) { expected = i - k + 1; break; } } else run = 0;
    }
    assert.equal(findRun(u32, 0, count, k, { work: 0 }), expected);
  }), { numRuns: 2000 });
});

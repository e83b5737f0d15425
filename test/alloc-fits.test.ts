/**
 * The textbook fits beyond the conformance suite: which free chunk each search takes, the
 * work growing with the free list (what they are for), and check() catching corrupted
 * boundary tags, links, list head and rover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, type AllocatorName, type Heap } from '../src/index.js';
import { Hdr } from '../src/os/header.js';
import { flipBitsMissed, type MetaWord } from './support/bit-flips.js';
import { mulberry32 } from '../bench/prng.js';

const FITS: readonly AllocatorName[] = ['first-fit', 'next-fit', 'best-fit'];
/** Word index of the policy metadata of a heap at base 0 (right after the heap header): list head, then rover. */
const P_HEAD = Hdr.HEADER_BYTES >>> 2;
const P_ROVER = P_HEAD + 1;

/** Free chunks of the given payload sizes, each between two used guards; returns their pointers (list order: last freed first). */
function holes(heap: Heap, sizes: readonly number[]): number[] {
  const ps = sizes.map((n) => { const p = heap.malloc(n); heap.malloc(8); return p; });
  for (const p of ps) heap.free(p);
  return ps;
}

function inside(p: number, hole: number, size: number): boolean {
  return p >= hole && p < hole + size;
}

test('first-fit takes the first chunk on the list that fits, best-fit the smallest, next-fit goes on from the rover', () => {
  // list order after freeing: [C 300, B 100, A 200] (a freed chunk goes to the head)
  const taken: Record<string, string[]> = {};
  for (const allocator of FITS) {
    const heap = createHeap({ allocator, trimThreshold: 2 ** 31 });
    const [a, b, c] = holes(heap, [200, 100, 300]);
    const where = (p: number): string => (inside(p, a, 208) ? 'A' : inside(p, b, 104) ? 'B' : inside(p, c, 304) ? 'C' : 'top');
    taken[allocator] = [150, 180, 8].map((n) => where(heap.malloc(n)));
    heap.check();
  }
  // 150: first-fit and next-fit take the head C (312-byte chunk), best-fit the smallest that fits, A (208).
  // 180 (a 192-byte chunk): C's 152-byte rest and B are too small, A fits; best-fit takes C, the only one left.
  // 8: first-fit takes the head (C's rest) again; next-fit goes on from where it stopped (A's rest);
  // best-fit takes the smallest rest (A's 48 bytes, against C's 120 and B's 112).
  assert.deepEqual(taken['first-fit'], ['C', 'A', 'C']);
  assert.deepEqual(taken['next-fit'], ['C', 'A', 'A']);
  assert.deepEqual(taken['best-fit'], ['A', 'C', 'A']);
});

test('the work of one large request grows with the number of small free chunks in front of it', () => {
  for (const allocator of ['first-fit', 'best-fit'] as const) {
    const cost = (n: number): number => {
      const heap = createHeap({ allocator, trimThreshold: 2 ** 31, maxSize: 64 * 1024 * 1024 });
      holes(heap, new Array<number>(n).fill(24));
      const before = heap.workUnits;
      assert.notEqual(heap.malloc(4096), 0);
      return heap.workUnits - before;
    };
    const w100 = cost(100);
    const w400 = cost(400);
    assert.ok(w100 >= 100, `${allocator}: ${w100} units for 100 holes`);
    assert.ok(w400 >= w100 + 300, `${allocator}: ${w100} units for 100 holes, ${w400} for 400`);
  }
});

test('next-fit wraps round the list once and no more', () => {
  const heap = createHeap({ allocator: 'next-fit', trimThreshold: 2 ** 31 });
  holes(heap, new Array<number>(50).fill(24));
  heap.malloc(24); // the rover now sits inside the list
  const before = heap.workUnits;
  heap.malloc(1000); // nothing fits: one full round, then the top
  const work = heap.workUnits - before;
  assert.ok(work >= 49 && work <= 52, `${work} units for a 49-chunk list`);
  heap.check();
});

/** A heap with used and free chunks, built from a seed. */
function randomHeap(allocator: AllocatorName, seed: number): Heap {
  const rnd = mulberry32(seed);
  const heap = createHeap({ allocator, trimThreshold: 2 ** 31 });
  const live: number[] = [];
  for (let i = 0; i < 120; i++) {
    if (rnd() < 0.6 || live.length === 0) {
      const p = heap.malloc(Math.floor(rnd() * (rnd() < 0.8 ? 64 : 3000)));
      heap.u8.fill(Math.floor(rnd() * 256), p, p + heap.usableSize(p));
      live.push(p);
    } else {
      heap.free(live.splice(Math.floor(rnd() * live.length), 1)[0]);
    }
  }
  heap.check();
  return heap;
}

/** Header words, and footer and link words of free chunks, plus the list head. */
function metadataWords(heap: Heap): MetaWord[] {
  const out: MetaWord[] = [{ word: P_HEAD, what: 'list head' }];
  for (const b of heap.blocks()) {
    out.push({ word: b.offset >>> 2, what: `header of the ${b.state} block at ${b.offset}` });
    if (b.state === 'free' || b.state === 'top') {
      out.push({ word: (b.offset + b.size - 4) >>> 2, what: `footer of the free block at ${b.offset}` });
      out.push({ word: (b.offset + 4) >>> 2, what: `next link of the free block at ${b.offset}` });
      out.push({ word: (b.offset + 8) >>> 2, what: `prev link of the free block at ${b.offset}` });
    }
  }
  return out;
}

for (const allocator of FITS) {
  test(`${allocator}: check() catches every single-bit flip of a header, footer, link and the list head`, () => {
    for (const seed of [1, 2, 3]) {
      const heap = randomHeap(allocator, seed);
      assert.ok(heap.blocks().some((b) => b.state === 'free'), 'the heap has free chunks');
      assert.deepEqual(flipBitsMissed(heap, metadataWords(heap)), []);
    }
  });
}

test('next-fit: check() catches a rover that points off the free list', () => {
  const heap = randomHeap('next-fit', 4);
  const used = heap.blocks().find((b) => b.state === 'used')!;
  const saved = heap.u32[P_ROVER];
  heap.u32[P_ROVER] = used.offset;
  assert.throws(() => heap.check(), /rover/);
  heap.u32[P_ROVER] = saved;
  heap.check();
});

test('fits: a random single-byte corruption of the metadata is caught (every fit, random heaps)', () => {
  fc.assert(fc.property(fc.constantFrom(...FITS), fc.integer(), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 255 }),
    (allocator, seed, pick, byte, xor) => {
      const heap = randomHeap(allocator, seed);
      const words = metadataWords(heap);
      const at = words[pick % words.length].word * 4 + byte;
      const saved = heap.u8[at];
      heap.u8[at] = saved ^ xor;
      try {
        assert.throws(() => heap.check(), { code: 'HEAP_CORRUPTION' });
      } finally {
        heap.u8[at] = saved;
      }
    }), { numRuns: 300 });
});

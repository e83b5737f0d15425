/**
 * check() must catch random single-byte corruption of the boundary tags: a
 * header word of any block, or the footer word of a free block, changed
 * through heap.u32. The error is a HeapCorruptionError naming a block; after
 * restoring the byte, check() passes again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeapCorruptionError, HeapError, createHeap, type BackingKind, type Heap } from '../src/index.js';
import { BACKINGS } from './support/heap-verify.js';
import { mulberry32 } from '../bench/prng.js';



/** A heap with used, free, mapped blocks and region tails, built from a seed. */
function randomHeap(seed: number, backing: BackingKind): Heap {
  const rnd = mulberry32(seed);
  const heap = createHeap({ backing, mmapThreshold: 8192, trimThreshold: 2 ** 31 });
  const live: number[] = [];
  const ops = 20 + Math.floor(rnd() * 80);
  for (let i = 0; i < ops; i++) {
    const r = rnd();
    if (r < 0.6 || live.length === 0) {
      const kind = rnd();
      const n = kind < 0.6 ? Math.floor(rnd() * 64) : kind < 0.95 ? Math.floor(rnd() * 4000) : 8192 + Math.floor(rnd() * 20000);
      const p = heap.malloc(n);
      assert.notEqual(p, 0);
      heap.u8.fill(Math.floor(rnd() * 256), p, p + n);
      live.push(p);
    } else {
      const k = Math.floor(rnd() * live.length);
      heap.free(live[k]);
      live.splice(k, 1);
    }
  }
  heap.check();
  return heap;
}

interface Target { word: number; what: string; block: number }

/** Header words of every block, footer words of real free chunks. */
function targets(heap: Heap): Target[] {
  const u32 = heap.u32;
  const out: Target[] = [];
  for (const b of heap.blocks()) {
    out.push({ word: b.offset >>> 2, what: `header of the ${b.state} block at ${b.offset} (${b.size} bytes)`, block: b.offset });
    if ((u32[b.offset >>> 2] & 1) === 0) {
      out.push({ word: (b.offset + b.size - 4) >>> 2, what: `footer of the free block at ${b.offset} (${b.size} bytes)`, block: b.offset });
    }
  }
  return out;
}

function expectCaught(heap: Heap, what: string): void {
  let error: unknown = null;
  try {
    heap.check();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== null, `check() missed the corruption: ${what}`);
  assert.ok(error instanceof HeapCorruptionError, `${what}: expected HeapCorruptionError, got ${String(error)}`);
  assert.ok(error instanceof HeapError);
  assert.equal(error.code, 'HEAP_CORRUPTION');
  assert.equal(typeof error.block, 'number', `${what}: err.block`);
  assert.ok(Number.isInteger(error.block) && error.block >= 0, `${what}: err.block ${error.block}`);
  assert.equal(typeof error.invariant, 'string');
  assert.ok(error.message.includes(String(error.block)), `${what}: the message names the block`);
}

test('check() catches a random single-byte corruption of a header or footer word', () => {
  fc.assert(
    fc.property(
      fc.integer(), fc.constantFrom(...BACKINGS), fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 255 }),
      (seed, backing, pick, byte, xor) => {
        const heap = randomHeap(seed, backing);
        const all = targets(heap);
        // every block freed and the top trimmed: an empty heap has no header or footer to corrupt
        fc.pre(all.length > 0);
        const t = all[pick % all.length];
        const u8 = heap.u8;
        const at = t.word * 4 + byte;
        const saved = u8[at];
        u8[at] = saved ^ xor;
        const what = `seed ${seed} ${backing}: byte ${byte} of the ${t.what} ^ ${xor}`;
        try {
          expectCaught(heap, what);
        } finally {
          heap.u8[at] = saved;
        }
        heap.check();
      },
    ),
    { numRuns: 1500, includeErrorInReport: true },
  );
});

test('check() catches every single-bit flip of every header and footer word of one heap', () => {
  const heap = randomHeap(12345, 'arraybuffer');
  const missed: string[] = [];
  for (const t of targets(heap)) {
    for (let bit = 0; bit < 32; bit++) {
      const u32 = heap.u32;
      const saved = u32[t.word];
      u32[t.word] = (saved ^ (1 << bit)) >>> 0;
      try {
        expectCaught(heap, `bit ${bit} of the ${t.what}`);
      } catch (e) {
        missed.push((e as Error).message.split('\n')[0]);
      } finally {
        heap.u32[t.word] = saved;
      }
    }
  }
  heap.check();
  assert.deepEqual(missed, [], `${missed.length} corruptions missed`);
});

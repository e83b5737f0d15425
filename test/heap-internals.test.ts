/**
 * heap.internals(): every policy's description of its own structures agrees with an
 * independent walk of the heap (blocks()): the free lists hold exactly the free blocks,
 * each in the list its size maps to, and a bitmap bit is set exactly when its list is
 * non-empty. Random operation sequences on every policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocatorNames, createHeap, type AllocatorName, type BlockInfo, type FreeListInfo, type Heap, type PolicyInternals } from '../src/index.js';
import { BUDDY_SAMPLE, LIST_SAMPLE } from '../src/base/internals.js';

type Op = { t: 'm'; n: number } | { t: 'f'; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('m' as const), n: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 40_000 })) }),
  fc.record({ t: fc.constant('f' as const), pick: fc.nat() }),
);

function run(allocator: AllocatorName, ops: readonly Op[]): Heap {
  const heap = createHeap({ allocator, maxSize: 64 << 20 });
  const live: number[] = [];
  for (const op of ops) {
    if (op.t === 'm') {
      const p = heap.malloc(allocator === 'pool' ? op.n % 65 : op.n);
      if (p !== 0) live.push(p);
    } else if (live.length > 0 && allocator !== 'arena') {
      heap.free(live.splice(op.pick % live.length, 1)[0] as number);
    }
  }
  return heap;
}

/** The free blocks a policy keeps on its lists, by a walk that does not read them. */
function freeBlocks(blocks: readonly BlockInfo[]): BlockInfo[] {
  return blocks.filter((b) => b.state === 'free' || b.state === 'top');
}

/** A list's blocks as the walk finds them: the same count, and (when the sample is whole) the same offsets. */
function assertList(list: FreeListInfo, expected: readonly BlockInfo[], what: string, sample = LIST_SAMPLE): void {
  assert.equal(list.length, expected.length, `${what}: list length`);
  assert.equal(list.first.length, Math.min(sample, expected.length), `${what}: sampled blocks`);
  const offsets = new Set(expected.map((b) => b.offset));
  for (const b of list.first) assert.ok(offsets.has(b), `${what}: ${b} is on the list but is no free block of that list`);
}

function agree(x: PolicyInternals, blocks: BlockInfo[]): void {
  const free = freeBlocks(blocks);
  switch (x.kind) {
    case 'tlsf': {
      for (let fl = 0; fl < x.slBitmaps.length; fl++) {
        assert.equal((x.flBitmap >>> fl) & 1, x.slBitmaps[fl] !== 0 ? 1 : 0, `tlsf: FL bit ${fl}`);
        for (let sl = 0; sl < x.slCount; sl++) {
          const list: unknown = x.lists.find((l) => l.fl === fl && l.sl === sl);
          assert.equal(((x.slBitmaps[fl] as number) >>> sl) & 1, list ? 1 : 0, `tlsf: SL bit (${fl}, ${sl})`);
        }
      }
      for (const l of x.lists) assertList(l, free.filter((b) => b.size >= l.minSize && b.size < l.maxSize), `tlsf list (${l.fl}, ${l.sl})`);
      assert.equal(x.lists.reduce((n, l) => n + l.length, 0), free.length, 'tlsf: every free block is on a list');
      return;
    }
    case 'segfit': {
      for (const b of x.bins) assertList(b, free.filter((f) => f.size >= b.minSize && f.size < b.maxSize), `segfit bin ${b.minSize}`);
      assert.equal(x.bins.reduce((n, b) => n + b.length, 0), free.length, 'segfit: every free chunk is in a bin');
      const small = x.bins.filter((b) => b.kind === 'small');
      for (let j = 0; j < 64; j++) {
        const size = j < 2 ? (j === 0 ? 512 : -1) : 8 * j;
        const word: number = x.smallBitmap[j >>> 5] as number;
        const bit = (word >>> (j & 31)) & 1;
        assert.equal(bit, small.some((b) => b.minSize === size) ? 1 : 0, `segfit: small bitmap bit ${j}`);
      }
      for (const r of x.regions) {
        if (r.tail === 0) continue;
        const tail = blocks.find((b) => b.offset === r.tail);
        assert.ok(tail && tail.state === 'reserved' && tail.size === r.tailSize, `segfit: region tail of group ${r.group} is a reserved block of its size`);
      }
      return;
    }
    case 'buddy': {
      for (const o of x.orders) {
        assert.equal((x.bitmap >>> o.order) & 1, o.length > 0 ? 1 : 0, `buddy: bitmap bit ${o.order}`);
        assertList(o, free.filter((b) => b.size === o.size), `buddy order ${o.order}`, BUDDY_SAMPLE);
      }
      assert.equal(x.orders.reduce((n, o) => n + o.length, 0), free.length, 'buddy: every free block is on its order\'s list');
      return;
    }
    case 'fits':
      assertList(x.freeList, free, `${x.policy} free list`);
      x.freeList.first.forEach((c, k) => assert.equal(x.freeList.sizes[k], free.find((b) => b.offset === c)?.size, `${x.policy}: size of ${c}`));
      return;
    case 'pool':
      // a pool's free slot is a block whose pointer is its offset (no header)
      assert.equal(x.freeList.length, free.length, 'pool: free list length');
      for (const s of x.freeList.first) assert.ok(free.some((b) => b.offset === s), `pool: ${s} is a free slot`);
      return;
    case 'pages': {
      for (const c of x.classes) {
        for (const p of c.pages) {
          assert.equal(p.used + p.free + p.reserved, p.capacity, `pages: page ${p.offset} counts`);
          assert.ok(p.free + p.reserved > 0, `pages: page ${p.offset} on its class list has room`);
        }
      }
      const listed = x.classes.reduce((n, c) => n + c.pages.reduce((m, p) => m + p.used, 0), 0);
      const small = blocks.filter((b) => b.state === 'used' && b.size <= 8192).length;
      assert.ok(listed <= small, 'pages: used blocks on listed pages are among the used small blocks');
      return;
    }
    case 'arena': {
      // the free rest above the allocation point is the top block, if any
      const top = blocks.find((b) => b.state === 'top');
      const last = blocks[blocks.length - 1];
      assert.equal(x.bump, top ? top.offset : last ? last.offset + last.size : x.bump, 'arena: bump is where the free rest starts');
      return;
    }
    case 'none':
      assert.fail(`${x.policy} describes no internals`);
  }
}

for (const allocator of allocatorNames()) {
  test(`${allocator}: internals() agrees with a walk of the blocks after random operations`, () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
      const heap = run(allocator, ops);
      const x = heap.internals();
      assert.equal(x.policy, allocator);
      agree(x, heap.blocks());
      assert.doesNotThrow(() => JSON.stringify(x));
    }), { numRuns: 60 });
  });
}

test('a free list damaged into a cycle ends the walk (internals() returns; check() reports it)', () => {
  const heap = createHeap({ allocator: 'tlsf' });
  const a = heap.malloc(100);
  heap.malloc(100);
  heap.free(a);
  const block = a - 8;
  heap.u32[(block + 4) >>> 2] = block; // next -> itself
  const x = heap.internals();
  assert.equal(x.kind, 'tlsf');
  const list = x.kind === 'tlsf' ? x.lists.find((l) => l.first[0] === block) : undefined;
  assert.ok(list && list.length > 1 && list.length <= Math.ceil(heap.stats().heapSize / 16), `the walk stops: length ${list?.length}`);
  assert.throws(() => heap.check());
});

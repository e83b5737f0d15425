/**
 * The typed-array structures behind debug mode: the pointer index (open addressing
 * with backward-shift removal), the block table (slots reused through a free list),
 * the quarantine ring and the freed-block history; then the debug heap over them with
 * many live blocks, slot reuse, and realloc carrying definedness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap, HeapDebugError, type DebugReport } from '../src/index.js';
import { BlockTable, SLOT_FREED, SLOT_LIVE } from '../src/debug/block-table.js';
import { PtrIndex } from '../src/debug/ptr-index.js';
import { FreedHistory, Quarantine } from '../src/debug/quarantine.js';

/** A small deterministic PRNG (xorshift32), so failures replay. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

test('PtrIndex agrees with a Map through growth, removals and reinsertions', () => {
  for (const spread of [64, 4096, 2 ** 31]) { // dense keys (long probe runs), sparse ones, huge ones
    const index = new PtrIndex(16);
    const model = new Map<number, number>();
    const rnd = prng(spread);
    for (let i = 0; i < 60_000; i++) {
      const ptr = 8 + Math.floor(rnd() * spread) * 8;
      if (ptr >= 2 ** 32) continue;
      if (model.has(ptr)) {
        assert.equal(index.get(ptr), model.get(ptr));
        if (rnd() < 0.7) {
          assert.equal(index.delete(ptr), true);
          model.delete(ptr);
        }
      } else {
        assert.equal(index.get(ptr), -1);
        index.set(ptr, i);
        model.set(ptr, i);
      }
      assert.equal(index.size, model.size);
    }
    for (const [ptr, slot] of model) assert.equal(index.get(ptr), slot, `key ${ptr}`);
    for (const ptr of [...model.keys()]) assert.equal(index.delete(ptr), true);
    assert.equal(index.size, 0);
    for (const ptr of model.keys()) assert.equal(index.get(ptr), -1);
  }
  const index = new PtrIndex();
  assert.equal(index.get(0), -1, '0 is never a key, even though empty cells hold 0');
  assert.equal(index.delete(8), false);
});

test('BlockTable reuses freed slots, keeps many blocks, lists them in allocation order', () => {
  const table = new BlockTable(false, 4);
  const slots: number[] = [];
  for (let i = 0; i < 5000; i++) slots.push(table.add(1000 + i * 64, i, 984 + i * 64, 1040 + i * 64, i + 1, null));
  assert.equal(new Set(slots).size, 5000, 'distinct slots while all are live');
  assert.equal(table.count, 5000);
  for (let i = 0; i < 5000; i += 2) {
    const slot = table.find(1000 + i * 64);
    assert.equal(slot, slots[i]);
    table.markFreed(slot, null);
    assert.equal(table.state[slot], SLOT_FREED);
    table.remove(slot);
    assert.equal(table.find(1000 + i * 64), -1);
  }
  const usedBefore = table.used;
  const again = table.add(7, 1, 0, 16, 9999, null);
  assert.ok(again < usedBefore, 'a removed slot is reused before the table grows');
  assert.equal(table.used, usedBefore);
  const rec = table.record(table.find(1000 + 64));
  assert.deepEqual(rec, { ptr: 1064, size: 1, base: 1048, end: 1104, seq: 2, freed: false, allocStack: null, freeStack: null });
  const inOrder = table.records();
  assert.equal(inOrder.length, 2501);
  for (let i = 1; i < inOrder.length; i++) assert.ok((inOrder[i - 1]?.seq as number) < (inOrder[i]?.seq as number));
  assert.equal(inOrder[inOrder.length - 1]?.ptr, 7);
  assert.equal(table.state[table.find(7)], SLOT_LIVE);
});

test('BlockTable keeps stack handles only when asked, and drops them with the slot', () => {
  const table = new BlockTable(true);
  const a = new Error('alloc');
  const f = new Error('free');
  const slot = table.add(64, 8, 48, 88, 1, a);
  table.markFreed(slot, f);
  assert.equal(table.record(slot).allocStack, a);
  assert.equal(table.record(slot).freeStack, f);
  table.remove(slot);
  const next = table.add(128, 8, 112, 152, 2, null);
  assert.equal(next, slot);
  assert.equal(table.allocStack(next), null, 'a reused slot does not inherit the old stacks');
  assert.equal(table.freeStack(next), null);
  const off = new BlockTable(false);
  assert.equal(off.allocStack(off.add(64, 8, 48, 88, 1, a)), null, 'stacks off: nothing kept');
});

test('Quarantine is FIFO by bytes across growth and wrap-around', () => {
  const q = new Quarantine(1_000_000);
  let next = 0;
  let expect = 0;
  const rnd = prng(7);
  for (let round = 0; round < 20_000; round++) {
    if (rnd() < 0.6 || q.length === 0) q.push(next++, 10);
    else assert.equal(q.pop(), expect++);
    assert.equal(q.bytes, q.length * 10);
  }
  while (q.length > 0) assert.equal(q.pop(), expect++);
  assert.equal(expect, next);
  assert.equal(q.pop(), -1);
  assert.equal(q.bytes, 0);
});

test('FreedHistory keeps the newest `limit` blocks and finds the newest for a pointer', () => {
  const table = new BlockTable(false);
  const history = new FreedHistory(100);
  for (let i = 1; i <= 250; i++) {
    const ptr = 16 + (i % 40) * 32;
    const slot = table.add(ptr, i, ptr - 16, ptr + 24, i, null);
    table.markFreed(slot, null);
    history.add(table, slot);
    table.remove(slot);
  }
  const all = history.values();
  assert.equal(all.length, 100);
  assert.deepEqual(all.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => 151 + i));
  const newest = history.get(16 + (250 % 40) * 32);
  assert.equal(newest?.seq, 250);
  assert.equal(newest?.freed, true);
  assert.equal(history.get(8), undefined);
  assert.equal(new FreedHistory(0).get(16), undefined);
});

test('many live blocks: each is found, verified and freed; damage to any one is caught', () => {
  const heap = createHeap({ debug: { stacks: false, quarantineSize: 64 * 1024 } });
  const rnd = prng(3);
  const live = new Map<number, number>();
  for (let i = 0; i < 20_000; i++) {
    const size = 1 + Math.floor(rnd() * 200);
    const p = heap.malloc(size);
    assert.ok(!live.has(p));
    live.set(p, size);
    if (rnd() < 0.4) {
      const victims = [...live.keys()];
      const v = victims[Math.floor(rnd() * victims.length)] as number;
      heap.free(v);
      live.delete(v);
    }
  }
  assert.equal(heap.stats().liveBlocks, live.size);
  for (const [p, size] of live) assert.equal(heap.usableSize(p), size);
  const [p, size] = [...live][Math.floor(live.size / 2)] as [number, number];
  heap.u8[p + size] = 0; // one byte past one block among thousands
  assert.throws(() => heap.check(), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-buffer-overflow' && e.report.address === p + size);
  heap.u8[p + size] = 0xfa;
  for (const q of live.keys()) heap.free(q);
  heap.check();
  assert.equal(heap.leaks().length, 0);
});

test('a slot reused by a new block: the old pointer is still a double free, the new block is clean', () => {
  const reports: DebugReport[] = [];
  const heap = createHeap({ debug: { stacks: false, onError: 'collect', quarantineSize: 0, onReport: (r) => reports.push(r as DebugReport) } });
  const a = heap.malloc(40);
  heap.free(a); // no quarantine: its slot is free at once
  const b = heap.malloc(24); // takes the slot (and maybe the address)
  heap.free(a === b ? b + 8 : a);
  assert.equal(reports.length, 1);
  assert.equal(reports[0]?.kind, a === b ? 'bad-free' : 'double-free');
  heap.free(b);
  assert.equal(reports.length, 1, 'freeing the new block is fine');
  heap.free(b);
  assert.equal(reports[1]?.kind, 'double-free');
});

test('realloc (moving) carries definedness: defined bytes stay readable, grown ones are uninitialized', () => {
  const heap = createHeap({ debug: { stacks: false } });
  const c = heap.checked();
  let p = heap.malloc(10);
  for (let i = 0; i < 6; i++) c.setUint8(p + i, i + 1); // bytes 6..9 never written
  p = heap.realloc(p, 64);
  for (let i = 0; i < 6; i++) assert.equal(c.getUint8(p + i), i + 1);
  for (const at of [6, 9, 10, 63]) {
    assert.throws(() => c.getUint8(p + at), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'use-of-uninitialized-value', `byte ${at}`);
  }
  assert.throws(() => c.getUint8(p + 64), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-buffer-overflow');
  p = heap.realloc(p, 3);
  assert.equal(c.getUint8(p + 2), 3);
  assert.throws(() => c.getUint8(p + 3), (e: unknown) => e instanceof HeapDebugError && e.report.kind === 'heap-buffer-overflow');
  heap.free(p);
  heap.check();
});

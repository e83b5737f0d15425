/**
 * Every bad input to the virtual allocator gets a typed error naming what was
 * wrong, thrown before anything changes; check() catches corrupted side arrays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createVirtualAllocator, DoubleFreeError, HeapCorruptionError, HeapError, InvalidPointerError, type VirtualAllocator,
} from '../src/index.js';

function sample(): { va: VirtualAllocator; a: number; b: number } {
  const va = createVirtualAllocator({ size: 1000 });
  const a = va.alloc(100);
  const b = va.alloc(50, 64);
  va.alloc(10);
  return { va, a, b };
}

/** Runs `fn`, expects `type` with a message matching `message`, and the allocator unchanged. */
function rejects(va: VirtualAllocator, fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp): void {
  const before = JSON.stringify(va.dump());
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.match((err as Error).message, message);
    return true;
  });
  assert.equal(JSON.stringify(va.dump()), before, 'nothing changed');
  va.check();
}

test('errors: double free and unknown offsets', () => {
  const { va, a, b } = sample();
  va.free(b);
  assert.equal(b, 128); // [100, 128) stays free: the padding
  rejects(va, () => va.free(b), DoubleFreeError, /free\(128\): double free/);
  rejects(va, () => va.free(110), DoubleFreeError, /free\(110\)/); // inside a free range
  rejects(va, () => va.free(a + 1), InvalidPointerError, /free\(1\): invalid pointer: inside the allocation \[0, 100\), not its start/);
  rejects(va, () => va.free(1000), InvalidPointerError, /not an offset in the space \[0, 1000\)/);
  rejects(va, () => va.free(-1), InvalidPointerError, /free\(-1\)/);
  rejects(va, () => va.free(1.5), InvalidPointerError, /free\(1\.5\)/);
  rejects(va, () => va.free(Number.NaN), InvalidPointerError, /free\(NaN\)/);
  rejects(va, () => va.free('0' as unknown as number), InvalidPointerError, /free\("0"\)/);
  rejects(va, () => va.sizeOf(b), InvalidPointerError, /sizeOf\(128\): invalid pointer: in the free range/);
  rejects(va, () => va.sizeOf(5), InvalidPointerError, /sizeOf\(5\)/);
  assert.equal(va.sizeOf(a), 100);
  const err = (() => { try { va.free(b); } catch (e) { return e; } })();
  assert.ok(err instanceof HeapError && err.code === 'DOUBLE_FREE');
});

test('errors: bad sizes and alignments name the argument (TypeError for a non-number, RangeError otherwise)', () => {
  const { va } = sample();
  rejects(va, () => va.alloc(0), RangeError, /alloc: size must be at least 1, got 0/);
  rejects(va, () => va.alloc(-8), RangeError, /alloc: size must not be negative, got -8/);
  rejects(va, () => va.alloc(1.5), RangeError, /alloc: size must be an integer, got 1\.5/);
  rejects(va, () => va.alloc(Number.NaN), RangeError, /alloc: size is NaN/);
  rejects(va, () => va.alloc(Infinity), RangeError, /size must be an integer, got Infinity/);
  rejects(va, () => va.alloc('8' as unknown as number), TypeError, /alloc: size must be a number, got string/);
  rejects(va, () => va.alloc(1001), RangeError, /size must be at most 1000 \(the size of the whole space\), got 1001/);
  rejects(va, () => va.alloc(8, 3), RangeError, /alloc: alignment must be a power of two between 1 and \d+ \(2\^52\), got 3/);
  rejects(va, () => va.alloc(8, 0), RangeError, /alignment must be a power of two .* got 0/);
  rejects(va, () => va.alloc(8, -4), RangeError, /alignment .* got -4/);
  rejects(va, () => va.alloc(8, 2.5), RangeError, /alignment must be a power of two .* got 2\.5/);
  rejects(va, () => va.alloc(8, 2 ** 53), RangeError, /alignment .* got 9007199254740992/);
  rejects(va, () => va.alloc(8, null as unknown as number), TypeError, /alloc: alignment must be a number, got null/);
  rejects(va, () => va.grow(999), RangeError, /grow: newSize must be at least 1000, got 999/);
  rejects(va, () => va.grow(2000.5), RangeError, /grow: newSize must be an integer, got 2000\.5/);
  rejects(va, () => va.grow(2 ** 52 + 2), RangeError, /grow: newSize must be at most 4503599627370496 \(2\^52\)/);
  rejects(va, () => va.grow(2 ** 53), RangeError, /grow: newSize 9007199254740992 is not a safe integer/);
  rejects(va, () => va.alloc(8, '8' as unknown as number), TypeError, /alloc: alignment must be a number, got string/);
});

test('errors: bad options', () => {
  assert.throws(() => createVirtualAllocator(undefined as never), /options must be an object like \{ size: 1024 \}, got undefined/);
  assert.throws(() => createVirtualAllocator({} as never), /createVirtualAllocator: size must be a number, got undefined/);
  assert.throws(() => createVirtualAllocator({ size: 0 }), RangeError);
  assert.throws(() => createVirtualAllocator({ size: 2 ** 52 + 1 }), /size must be at most 4503599627370496 \(2\^52\)/);
  assert.throws(() => createVirtualAllocator({ size: 64, minAlignment: 24 }), /minAlignment must be a power of two/);
  assert.throws(() => createVirtualAllocator({ size: 64, minAlignment: 0.5 }), RangeError);
  assert.throws(() => createVirtualAllocator({ size: 64, minAlignment: '8' as never }), TypeError);
  assert.equal(createVirtualAllocator({ size: 2 ** 52 }).alloc(2 ** 52), 0);
});

test('check() catches corrupted side arrays, lists, index and counters', () => {
  const corruptions: Array<[string, (va: VirtualAllocator) => void, RegExp]> = [
    ['a range size', (va) => { va.nodes.size[va.first] += 1; }, /starts at|in list/],
    ['an offset', (va) => { va.nodes.offset[va.nodes.nextPhys[va.first]] -= 1; }, /starts at/],
    ['a prevPhys link', (va) => { va.nodes.prevPhys[va.nodes.nextPhys[va.first]] = -1; }, /prevPhys/],
    ['a free flag', (va) => { va.nodes.state[va.first] = 1; }, /adjacent|not in the offset index|lists hold/],
    ['a list head', (va) => { va.lists.heads.fill(-1); }, /bitmap bit/],
    ['a bitmap', (va) => { va.lists.slMaps[0] ^= 4; }, /bitmap bit/],
    ['the index', (va) => { va.index.remove(va.nodes.offset[va.first]); }, /not in the offset index/],
    ['a counter', (va) => { va.usedUnits++; }, /usedUnits counter/],
    ['the space size', (va) => { va.space++; }, /the ranges end at/],
  ];
  for (const [what, corrupt, message] of corruptions) {
    const { va } = sample();
    va.check();
    corrupt(va);
    assert.throws(() => va.check(), (err: unknown) => err instanceof HeapCorruptionError && message.test(err.message), what);
  }
});

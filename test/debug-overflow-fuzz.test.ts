/**
 * Issue #14, finding 5: debug mode's reporter must never crash. Before the fix, an
 * overflow past a redzone (into the allocator's metadata) led to
 * "TypeError: Cannot read properties of undefined (reading 'toString') at hex" on a later
 * free, or "RangeError ... sourceEnd ... at findNot" after an aligned block: the damaged
 * allocator returned a block outside the memory, and debug mode wrote and read its
 * redzones there.
 *
 * A small fuzzer in debug mode ('throw' and 'collect'), on every backing: random
 * overflows and underflows of 1-64 bytes around live blocks (aligned ones and the top
 * block included), random calls, and the program carries on after each error, as a
 * program that catches them would. Every call either returns a sane result or throws a
 * HeapError (a debug report, HeapCorruptionError, an invalid or double free the damage
 * made); never a TypeError, a RangeError or anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap, DebugHeap, HeapError, type AllocatorName, type BackingKind, type HeapOptions } from '../src/index.js';
import { BACKINGS } from './support/heap-verify.js';
import { mulberry32 } from '../bench/prng.js';

/** The policies that survive their metadata being overwritten (the fits are #14's other half). */
const POLICIES: readonly AllocatorName[] = ['segfit', 'tlsf', 'pages', 'buddy', 'pool', 'arena'];
const SEEDS = 10;
const STEPS = 100;
/** Errors a run may meet before it stops (the program keeps calling after each). */
const MAX_ERRORS = 8;

type Tally = Map<string, number>;

/** One run; returns a description of the first non-HeapError (or a bad result), else null. */
function run(allocator: AllocatorName, backing: BackingKind, mode: 'throw' | 'collect', seed: number, tally: Tally): string | null {
  const r = mulberry32(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const options: HeapOptions = {
    allocator, backing, maxSize: 8 << 20, ...(allocator === 'pool' ? { blockSize: 4096 } : {}),
    debug: { stacks: false, onError: mode, leaksAtExit: false },
  };
  const heap = createHeap(options);
  assert.ok(heap instanceof DebugHeap);
  const live = new Map<number, number>();
  const pick = (): number => [...live.keys()][int(live.size)] as number;
  const sane = (p: number, align: number, what: string): string | null => {
    if (p === 0) return null;
    if (!Number.isInteger(p) || p < 0 || p % align !== 0 || p >= heap.u8.length) return `${what} returned ${p}`;
    return null;
  };
  let errors = 0;
  const outcome = (e: unknown): string | null => {
    errors++;
    const key = e instanceof HeapError ? e.code : `${(e as Error)?.name}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    return e instanceof HeapError ? null : `${String(e)}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`;
  };
  for (let step = 0; step < STEPS && errors < MAX_ERRORS; step++) {
    try {
      const roll = r();
      if (roll < 0.12 && live.size > 0) {
        // the bug: bytes written past the end or before the start of a live block
        const p = live.size > 1 && r() < 0.3 ? Math.max(...live.keys()) : pick(); // often the top block
        const n = 1 + int(64);
        const u8 = heap.u8;
        const value = (): number => (r() < 0.5 ? int(256) : r() < 0.5 ? 0 : (int(64) * 8 + 1) & 255); // also plausible sizes
        if (r() < 0.5) {
          const end = p + (live.get(p) as number);
          for (let i = 0; i < n && end + i < u8.length; i++) u8[end + i] = value();
        } else {
          for (let i = 1; i <= n && p - i >= 0; i++) u8[p - i] = value();
        }
        tally.set('corruptions', (tally.get('corruptions') ?? 0) + 1);
      } else if (roll < 0.45 || live.size === 0) {
        const n = r() < 0.8 ? int(200) : int(20000);
        const align = r() < 0.3 ? 2 ** (3 + int(10)) : 8;
        const p = align > 8 ? heap.alignedAlloc(align, n) : heap.malloc(n);
        const bad = sane(p, align, `alignedAlloc(${align}, ${n})`);
        if (bad !== null) return bad;
        if (p !== 0) live.set(p, n);
      } else if (roll < 0.75) {
        const p = pick();
        live.delete(p);
        heap.free(p);
      } else if (roll < 0.9) {
        const p = pick();
        const n = int(3000);
        live.delete(p);
        const q = heap.realloc(p, n);
        const bad = sane(q, 8, `realloc(${p}, ${n})`);
        if (bad !== null) return bad;
        if (q !== 0) live.set(q, n);
      } else if (roll < 0.95) {
        heap.check();
      } else {
        heap.flushQuarantine();
      }
    } catch (e) {
      const bad = outcome(e);
      if (bad !== null) return bad;
    }
  }
  try {
    heap.check();
  } catch (e) {
    return outcome(e);
  }
  return null;
}

for (const backing of BACKINGS) {
  test(`debug mode on '${backing}': overflows of 1-64 bytes end in results or HeapErrors, never a crash of the reporter`, () => {
    const tally: Tally = new Map();
    const failures: string[] = [];
    for (const allocator of POLICIES) {
      for (const mode of ['throw', 'collect'] as const) {
        for (let seed = 1; seed <= SEEDS; seed++) {
          const bad = run(allocator, backing, mode, seed, tally);
          if (bad !== null) failures.push(`${allocator} ${mode} seed ${seed}: ${bad}`);
        }
      }
    }
    assert.deepEqual(failures.slice(0, 3), [], JSON.stringify(Object.fromEntries(tally)));
    // the fuzzer must really have reached the reporter and the allocator's own checks
    assert.ok((tally.get('HEAP_DEBUG') ?? 0) > 0 && (tally.get('HEAP_CORRUPTION') ?? 0) > 0, JSON.stringify(Object.fromEntries(tally)));
  });
}

test('the finding: after an overflow into tlsf\'s metadata, debug mode refuses the block it is handed instead of crashing', () => {
  const heap = createHeap({ allocator: 'tlsf', maxSize: 8 << 20, debug: { stacks: false, leaksAtExit: false } });
  assert.ok(heap instanceof DebugHeap);
  const attempt = (fn: () => number | void): number => {
    try {
      const r = fn();
      return typeof r === 'number' ? r : 0;
    } catch (e) {
      assert.ok(e instanceof HeapError, `threw ${String(e)}`);
      return 0;
    }
  };
  const a = heap.malloc(34);
  heap.u8.set([64, 68, 89, 0, 103, 0, 217, 242, 186, 0, 11, 0, 0, 241, 185, 217, 225, 180, 33, 0].reverse(), a - 20);
  attempt(() => heap.realloc(a, 968)); // the underflow is reported
  const b = heap.malloc(83);
  heap.u8.set([161, 210, 23, 65, 9, 107, 25, 0, 209, 0, 64, 81, 0, 55, 0, 121, 0, 105, 0, 153, 0, 241, 0, 137, 57, 27, 0, 15, 57, 39, 17, 0, 0, 0], b + 83);
  attempt(() => heap.free(b)); // the overflow is reported; tlsf's metadata past the redzone is damaged
  const got: number[] = [];
  for (const n of [15, 76, 126]) got.push(attempt(() => heap.malloc(n)));
  got.push(attempt(() => heap.alignedAlloc(64, 62)));
  for (const p of got) {
    assert.ok(p === 0 || (p > 0 && p + 8 <= heap.u8.length), `a block at ${p} is outside the memory`);
    if (p !== 0) attempt(() => heap.free(p));
  }
  attempt(() => heap.check());
});

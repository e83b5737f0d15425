/**
 * The corruption fuzzer (test/support/corruption-fuzz.ts) on every policy and every backing,
 * and in debug mode: nothing but correct results and HeapCorruptionError. The full run
 * (10,000 seeds per backing per policy, figures by outcome) is `npm run fuzz:corruption`;
 * the suite runs a slice of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatorNames, type AllocatorName, type BackingKind } from '../src/index.js';
import { fuzzCorruption, type FuzzOutcome } from './support/corruption-fuzz.js';
import { BACKINGS } from './support/heap-verify.js';

const SEEDS = 150;
const DEBUG_SEEDS = 60;

function fuzzSlice(allocator: AllocatorName, backing: BackingKind, seeds: number, debug: boolean): void {
  const counts: Record<FuzzOutcome, number> = { clean: 0, caught: 0, overlap: 0, 'wrong-pointer': 0, 'other-error': 0, 'lost-backing': 0 };
  const failures: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const run = fuzzCorruption(seed, backing, allocator, debug);
    counts[run.outcome]++;
    if (run.outcome === 'other-error' || run.outcome === 'wrong-pointer' || run.outcome === 'lost-backing') {
      failures.push(`seed ${seed}: ${run.outcome}: ${run.detail.split('\n').slice(0, 3).join(' | ')}`);
    }
  }
  assert.deepEqual(failures.slice(0, 5), [], `${JSON.stringify(counts)}`);
  // a consistent forgery is allowed rarely (0.5 % of runs); a slice this small allows 2
  assert.ok(counts.overlap <= 2, `${counts.overlap} runs ended with overlapping blocks: ${JSON.stringify(counts)}`);
  assert.ok(counts.caught > 0, `the fuzzer never reached a corruption the allocator caught: ${JSON.stringify(counts)}`);
}

for (const allocator of allocatorNames()) {
  for (const backing of BACKINGS) {
    test(`${allocator} ${backing}: ${SEEDS} corrupted runs end clean or with HeapCorruptionError`, () => {
      fuzzSlice(allocator, backing, SEEDS, false);
    });
  }
  test(`${allocator} in debug mode: ${DEBUG_SEEDS} corrupted runs end clean or with a HeapError (the reporter never crashes)`, () => {
    fuzzSlice(allocator, 'arraybuffer', DEBUG_SEEDS, true);
  });
}

// Seeds of the 10,000-seed run where segfit returned NaN: a damaged large-bin link pointing past
// the memory was followed by the best-fit scan and handed out as a chunk.
test('segfit: the full run\'s NaN seeds (a bin link past the memory) end clean or with HeapCorruptionError', () => {
  for (const seed of [301, 392, 506, 596, 666, 902]) {
    const run = fuzzCorruption(seed, 'arraybuffer', 'segfit');
    assert.ok(run.outcome === 'clean' || run.outcome === 'caught', `seed ${seed}: ${run.outcome}: ${run.detail}`);
  }
});

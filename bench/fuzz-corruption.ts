/**
 * `npm run fuzz:corruption [-- --seeds N] [--allocators a,b]` — the corruption fuzzer of the test
 * suite at full size: N seeds (default 10,000) per backing per policy, printing the outcomes
 * by kind. A run is good when it ends clean or with HeapCorruptionError; 'overlap' (a consistent
 * forgery) is allowed in at most 0.5 % of runs; 'wrong-pointer', 'other-error' and
 * 'lost-backing' are failures. A policy whose run does not end within a few seconds is
 * reported as 'hung' (a damaged free list that loops) and skipped on that backing.
 */
import { parseArgs } from 'node:util';
import { generalAllocatorNames, type AllocatorName } from '../src/index.js';
import { fuzzCorruption, type FuzzOutcome } from '../test/support/corruption-fuzz.js';
import { BACKINGS } from '../test/support/heap-verify.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, allocators: { type: 'string' } } });
const seeds = Number(values.seeds ?? 10_000);
const allocators = (values.allocators?.split(',') ?? generalAllocatorNames()) as AllocatorName[];
const KINDS: FuzzOutcome[] = ['clean', 'caught', 'overlap', 'wrong-pointer', 'other-error', 'lost-backing'];

console.log(`corruption fuzzer: ${seeds} seeds per backing per policy (node ${process.version})`);
console.log(['policy', 'backing', ...KINDS, 'verdict'].join('\t'));
for (const allocator of allocators) {
  for (const backing of BACKINGS) {
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<FuzzOutcome, number>;
    const t0 = Date.now();
    let hung = false;
    for (let seed = 1; seed <= seeds; seed++) {
      const t = Date.now();
      counts[fuzzCorruption(seed, backing, allocator).outcome]++;
      if (Date.now() - t > 5000) { hung = true; break; }
    }
    const bad = counts['wrong-pointer'] + counts['other-error'] + counts['lost-backing'];
    const verdict = hung ? 'hung' : bad === 0 && counts.overlap <= seeds * 0.005 ? 'ok' : 'FAIL';
    console.log([allocator, backing, ...KINDS.map((k) => counts[k]), `${verdict} (${((Date.now() - t0) / 1000).toFixed(0)} s)`].join('\t'));
  }
}

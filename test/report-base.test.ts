/**
 * `heapflow report --base`: a session whose heap starts at `base` in a WebAssembly memory (a
 * Wasm module's heap above its data) replays and seeks from checkpoints to the same blocks as
 * a heap made at that base directly; bad --base values are usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, generalAllocatorNames, type AllocatorName, type BlockInfo } from '../src/index.js';
import { reportSpecs } from '../src/cli/report-command.js';
import { UsageError } from '../src/cli/usage.js';
import { ReplaySession } from '../src/report/model/session.js';
import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from '../src/trace/types.js';
import { replayOn } from './support/report-page.js';

/** ops as [kind, id, size]: a live trace by construction (frees and reallocs of live ids). */
function traceOf(steps: readonly [number, number, number][]): Trace {
  const kinds: number[] = [], ids: number[] = [], sizes: number[] = [];
  const live: number[] = [];
  for (const [kind, pick, size] of steps) {
    if (kind === OP_ALLOC || live.length === 0) { kinds.push(OP_ALLOC); ids.push(ids.length); sizes.push(size); live.push(ids.length - 1); continue; }
    const id = live[pick % live.length] as number;
    if (kind === OP_FREE) live.splice(live.indexOf(id), 1);
    kinds.push(kind); ids.push(id); sizes.push(kind === OP_FREE ? 0 : size);
  }
  return { source: 'gen', suggestedHeapSize: 0, idCount: Math.max(1, ids.length), weight: 0, length: kinds.length,
    kinds: Uint8Array.from(kinds), ids: Uint32Array.from(ids), sizes: Float64Array.from(sizes) };
}

function blocksAtBase(trace: Trace, t: number, base: number, allocator: AllocatorName): BlockInfo[] {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(base / 65536) + 1, maximum: 2 ** 15 });
  return replayOn(createHeap({ backing: 'wasm', memory, base, maxSize: 2 ** 31, allocator }), trace, t).blocks();
}

test('a session at a base seeks, from its checkpoints, to the blocks of a heap made at that base', () => {
  const step = fc.tuple(fc.constantFrom(OP_ALLOC, OP_ALLOC, OP_FREE, OP_REALLOC), fc.nat(1000), fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 100_000, max: 300_000 })));
  fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 40_000 }), fc.constantFrom(...generalAllocatorNames()), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
    (steps, base8, allocator, at) => {
      const trace = traceOf(steps);
      const base = base8 * 8;
      const session = new ReplaySession(trace, { label: allocator, allocator, backing: 'wasm', base },
        { checkpointBudget: 1 << 20, minCheckpointSpacing: 8, maxCheckpointSpacing: 16, samples: 50, walks: 4 });
      while (!session.runSome(64));
      for (const t of at.map((f) => Math.round(f * trace.length))) {
        const blocks = session.blocksAt(t);
        assert.deepEqual(blocks, blocksAtBase(trace, t, base, allocator));
        assert.ok(blocks.every((b) => b.offset >= base), 'every block above the base');
      }
    }), { numRuns: 40 });
});

test('report --base: a multiple of 8, and only with the wasm backing', () => {
  assert.deepEqual(reportSpecs(undefined, undefined, '66896').map((s) => s.base), [66896]);
  assert.deepEqual(reportSpecs('segfit,tlsf', 'wasm', '0').map((s) => s.base), [undefined, undefined]);
  for (const bad of ['12', '-8', 'x', '', '0x10', '1073741824']) {
    assert.throws(() => reportSpecs(undefined, undefined, bad), (e: unknown) => e instanceof UsageError && /--base needs a whole number of bytes, a multiple of 8/.test(e.message), bad);
  }
  assert.throws(() => reportSpecs(undefined, 'wasm,resizable', '64'), /--base: .* --backing wasm only/);
});

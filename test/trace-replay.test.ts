import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createHeap, generalAllocatorNames, type Heap, type HeapEvent, type HeapOptions } from '../src/index.js';
import { parseRep } from '../src/trace/rep.js';
import { plannedReplayOps, replayTrace } from '../src/trace/replay.js';
import type { ReplayHeap } from '../src/trace/replay-heap.js';
import { TraceFormatError } from '../src/trace/types.js';

const TRACE_DIR = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
const BUNDLED = readdirSync(TRACE_DIR).filter((name) => name.endsWith('.rep')).sort();

function bundled(name: string) {
  return parseRep(readFileSync(join(TRACE_DIR, name), 'latin1'), name);
}

// The conformance suite: every bundled trace, fully verified, on every general-purpose policy.
for (const allocator of generalAllocatorNames()) for (const name of BUNDLED) {
  test(`${allocator} ${name}: full verification finds no error`, () => {
    const trace = bundled(name);
    const result = replayTrace(trace, { verify: true, timed: false, heapOptions: { allocator } });
    assert.equal(result.allocator, allocator);
    assert.ok(result.workMax >= result.workP999 && result.workP999 > 0, `work max ${result.workMax}, p99.9 ${result.workP999}`);
    assert.deepEqual(result.errorMessages, []);
    assert.equal(result.errors, 0);
    assert.equal(result.ops, trace.length);
    assert.ok(result.peakLiveBytes > 0);
    assert.ok(result.peakHeapSize >= result.peakLiveBytes, 'the heap holds at least the live payload');
    assert.ok(result.utilization > 0 && result.utilization <= 1, `utilization ${result.utilization}`);
    assert.ok(result.externalFragmentation >= 0 && result.externalFragmentation <= 1);
    assert.ok(result.reuseRatio >= 0 && result.reuseRatio <= 1);
    assert.ok(result.reusedAllocs + result.grownAllocs > 0);
  });
}

test('peak live bytes are those of the trace (short1: 2040 + 2040 + 48 + 4072 - 2040 ...)', () => {
  // Computed independently from the trace text.
  const trace = bundled('short1-bal.rep');
  const live = new Map<number, number>();
  let now = 0;
  let peak = 0;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.ids[i] as number;
    now -= live.get(id) ?? 0;
    live.delete(id);
    if (trace.kinds[i] !== 1) {
      live.set(id, trace.sizes[i] as number);
      now += trace.sizes[i] as number;
    }
    peak = Math.max(peak, now);
  }
  assert.equal(replayTrace(trace, { verify: true, timed: false }).peakLiveBytes, peak);
});

test('every backing replays a trace cleanly', () => {
  const trace = bundled('amptjp-bal.rep');
  for (const backing of ['arraybuffer', 'resizable', 'shared', 'wasm'] as const) {
    const result = replayTrace(trace, { verify: true, backing, timed: false });
    assert.equal(result.errors, 0, `${backing}: ${result.errorMessages.join('; ')}`);
    assert.equal(result.backing, backing);
  }
});

test('the timed pass reports a median ns/op over at least the requested ops', () => {
  const trace = bundled('short2-bal.rep');
  const result = replayTrace(trace, { verify: false, samples: 3, minTimedOpsPerSample: 1000 });
  assert.equal(result.errors, 0);
  assert.ok(Number.isFinite(result.nsPerOp) && result.nsPerOp > 0, `nsPerOp ${result.nsPerOp}`);
  assert.equal(result.timedOps, 3 * Math.ceil(1000 / 12) * 12);
});

test('progress goes up to the planned total', () => {
  const trace = bundled('binary2-bal.rep');
  const options = { verify: true, samples: 2, minTimedOpsPerSample: 30_000 };
  const planned = plannedReplayOps(trace, options);
  const seen: number[] = [];
  replayTrace(trace, { ...options, onProgress: (done, total) => { assert.equal(total, planned); seen.push(done); } });
  assert.ok(seen.length > 2);
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'monotonic');
  assert.equal(seen[seen.length - 1], planned);
});

test('replays cleanly with onEvent listeners attached to every heap', () => {
  const trace = bundled('realloc2-bal.rep');
  const counts = new Map<string, number>();
  const result = replayTrace(trace, {
    verify: true,
    samples: 1,
    minTimedOpsPerSample: 1,
    onHeapCreated: (heap) => {
      (heap as Heap).onEvent((event: HeapEvent) => counts.set(event.type, (counts.get(event.type) ?? 0) + 1));
    },
  });
  assert.equal(result.errors, 0, result.errorMessages.join('; '));
  assert.ok((counts.get('malloc') ?? 0) > 0, 'events were delivered');
  assert.ok((counts.get('realloc') ?? 0) > 0);
});

test('size-0 requests follow C: malloc(0) may return a block or NULL, realloc(p, 0) may free p', () => {
  const trace = parseRep('0\n3\n8\n1\na 0 0\na 1 16\nr 1 0\nr 0 8\nr 1 24\na 2 0\nf 0\nf 1\n', 'zero.rep');
  const result = replayTrace(trace, { verify: true, samples: 1, minTimedOpsPerSample: 100 });
  assert.equal(result.errors, 0, result.errorMessages.join('; '));
  assert.equal(result.peakLiveBytes, 32);
});

test('a trace that breaks liveness is refused before any replay', () => {
  const trace = parseRep('100\n2\n3\n1\na 0 8\nf 0\nf 0\n', 'dead.rep');
  assert.throws(() => replayTrace(trace, { verify: true }), (error: unknown) =>
    error instanceof TraceFormatError && error.line === 7);
});

// ------------------------------------------------------------------------------------------
// The checker must catch what it claims to catch: run it over deliberately broken allocators
// (a real heap wrapped so that one call misbehaves) and expect the right error.

type Sabotage = (heap: Heap) => Partial<ReplayHeap>;

function sabotaged(sabotage: Sabotage): (options: HeapOptions) => ReplayHeap {
  return (options) => {
    const heap = createHeap(options);
    const overrides = sabotage(heap);
    return {
      malloc: (n) => heap.malloc(n),
      free: (p) => heap.free(p),
      realloc: (p, n) => heap.realloc(p, n),
      get u8() { return heap.u8; },
      get u32() { return heap.u32; },
      stats: () => heap.stats(),
      check: () => heap.check(),
      ...overrides,
    };
  };
}

const SMALL = '100\n4\n7\n1\na 0 64\na 1 64\na 2 24\nr 0 200\nf 1\nf 0\nf 2\n';

function replaySabotaged(sabotage: Sabotage, text = SMALL) {
  return replayTrace(parseRep(text, 'small.rep'), { verify: true, timed: false, createHeap: sabotaged(sabotage) });
}

test('catches an allocator that returns 0', () => {
  const result = replaySabotaged((heap) => {
    let calls = 0;
    return { malloc: (n) => (++calls === 2 ? 0 : heap.malloc(n)) };
  });
  assert.ok(result.errors >= 1);
  assert.match(result.errorMessages[0] ?? '', /^small\.rep:6: a 1 64: malloc returned 0$/);
});

test('catches a misaligned pointer', () => {
  const result = replaySabotaged((heap) => ({ malloc: (n) => { const p = heap.malloc(n + 8); return p + 4; } }));
  assert.match(result.errorMessages[0] ?? '', /small\.rep:5: a 0 64: returned \d+, which is not 8-aligned/);
});

test('catches overlapping blocks at allocation time', () => {
  const result = replaySabotaged((heap) => {
    let first = 0;
    return { malloc: (n) => { const p = heap.malloc(n); if (first === 0) first = p; return n === 24 ? first + 32 : p; } };
  });
  assert.match(result.errorMessages[0] ?? '', /small\.rep:7: a 2 24: block \[\d+, \d+\) overlaps the live block of id 0/);
});

test('catches a block outside the heap', () => {
  const result = replaySabotaged(() => ({ malloc: () => 1 << 30 }));
  assert.match(result.errorMessages[0] ?? '', /small\.rep:5: a 0 64: block \[1073741824, 1073741888\) is outside the heap/);
});

test('catches a realloc that loses data', () => {
  const result = replaySabotaged((heap) => ({
    realloc: (p, n) => { const q = heap.malloc(n); heap.free(p); return q; }, // forgets to copy
  }));
  assert.match(result.errorMessages[0] ?? '', /small\.rep:8: r 0 200: byte \d+ of the block of id 0 at \d+ \(size 200\) was not preserved by realloc \(moved from \d+\)/);
});

test('catches a payload overwritten while live (found on free)', () => {
  const result = replaySabotaged((heap) => {
    const given: number[] = [];
    let scribbled = false;
    return {
      malloc: (n) => { const p = heap.malloc(n); given.push(p); return p; },
      // On the first free, scribble on byte 5 of the other (live) block.
      free: (p) => {
        const other = given.find((q) => q !== p);
        if (!scribbled && other !== undefined) heap.u8[other + 5] = 0xee;
        scribbled = true;
        heap.free(p);
      },
    };
  }, '100\n2\n4\n1\na 0 64\na 1 64\nf 0\nf 1\n');
  assert.match(result.errorMessages[0] ?? '', /small\.rep:8: f 1: byte 5 of the block of id 1 .* was overwritten while live: it is 0xee, expected 0x24/);
});

test('reports a heap exception as an error and stops', () => {
  const result = replaySabotaged(() => ({ free: () => { throw new Error('boom'); } }));
  assert.equal(result.errors, 1);
  assert.match(result.errorMessages[0] ?? '', /small\.rep:9: f 1: the heap threw Error: boom; replay stopped/);
});

test('catches stats that disagree with the trace', () => {
  const result = replaySabotaged((heap) => ({ stats: () => ({ ...heap.stats(), liveBytes: 1 }) }),
    '100\n1\n1\n1\na 0 64\n');
  assert.match(result.errorMessages.join('\n'), /stats\(\)\.liveBytes is 1, the trace holds 64/);
});

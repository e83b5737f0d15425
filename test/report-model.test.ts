/**
 * The report's model, in Node: a session's seek (checkpoint + replay) gives the same heap as
 * a replay from the start; the playground language and its errors; fragmentation figures
 * against hand-computed values; the terminal map; unknown states and events drawn generically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, generalAllocatorNames, type AllocatorName, type BlockInfo } from '../src/index.js';
import { ReplaySession } from '../src/report/model/session.js';
import { parsePlayground, PlaygroundError } from '../src/report/model/playground.js';
import { fragmentationOf } from '../src/report/model/fragmentation.js';
import { describeEvent } from '../src/report/model/step-log.js';
import { stateStyle } from '../src/report/model/states.js';
import { terminalMap } from '../src/report/terminal-map.js';
import { OP_ALLOC, OP_FREE, type Trace } from '../src/trace/types.js';
import { reportSpecs } from '../src/cli/report-command.js';
import { UsageError } from '../src/cli/usage.js';
import { mapLines } from '../src/cli/map-line.js';
import { decodeTrace, encodeTrace, TraceCodecError } from '../src/report/model/trace-codec.js';
import { replayOn } from './support/report-page.js';

/** A random live trace: allocs, frees and reallocs of live ids only. */
const traceArb = fc.array(fc.tuple(fc.nat(2), fc.nat(1000), fc.oneof(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 100_000, max: 300_000 }))), { minLength: 1, maxLength: 300 }).map((steps): Trace => {
  const kinds: number[] = [], ids: number[] = [], sizes: number[] = [];
  const live: number[] = [];
  let next = 0;
  for (const [kind, pick, size] of steps) {
    if (kind === 0 || live.length === 0) { kinds.push(OP_ALLOC); ids.push(next); sizes.push(size); live.push(next++); continue; }
    const at = pick % live.length;
    const id = live[at] as number;
    if (kind === 1) { kinds.push(OP_FREE); ids.push(id); sizes.push(0); live.splice(at, 1); } else { kinds.push(2); ids.push(id); sizes.push(size); }
  }
  return { source: 'gen', suggestedHeapSize: 0, idCount: Math.max(1, next), weight: 0, length: kinds.length,
    kinds: Uint8Array.from(kinds), ids: Uint32Array.from(ids), sizes: Float64Array.from(sizes) };
});

function replayTo(trace: Trace, t: number, backing: 'resizable' | 'wasm', allocator: AllocatorName): BlockInfo[] {
  return replayOn(createHeap({ backing, maxSize: 2 ** 31, allocator }), trace, t).blocks();
}

test('seek(t) from a checkpoint gives the blocks of a replay from the start, in any order of seeks, for every policy', () => {
  fc.assert(fc.property(traceArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }), fc.constantFrom('resizable' as const, 'wasm' as const), fc.constantFrom(...generalAllocatorNames()), (trace, at, backing, allocator) => {
    const session = new ReplaySession(trace, { label: 'x', backing, allocator }, { checkpointBudget: 2 ** 40, minCheckpointSpacing: 7, maxCheckpointSpacing: 7, samples: 50, walks: 5 });
    session.runSome(trace.length);
    assert.ok(session.checkpoints.length >= Math.min(2, Math.ceil(trace.length / 7)), 'checkpoints were taken');
    for (const f of at) {
      const t = Math.round(f * trace.length);
      assert.deepEqual(session.blocksAt(t), replayTo(trace, t, backing, allocator), `${allocator}, op ${t}`);
    }
  }), { numRuns: 80 });
});

test('seek refuses ops outside the trace and a session whose first pass has not run', () => {
  const trace = parsePlayground('p = malloc(10)\nfree(p)');
  const session = new ReplaySession(trace, { label: 'x', backing: 'resizable' });
  assert.throws(() => session.seek(1), /first pass/);
  session.runSome(100);
  assert.throws(() => session.seek(3), RangeError);
  assert.throws(() => session.seek(-1), RangeError);
  assert.throws(() => session.seek(0.5), RangeError);
});

test('eventsOf names the flow of one op; birthOf finds the op that made a live block', () => {
  const trace = parsePlayground('a = malloc(40)\nb = malloc(100)\nfree(a)\nb = realloc(b, 5000)');
  const session = new ReplaySession(trace, { label: 'x', backing: 'resizable' });
  session.runSome(trace.length);
  const lines = session.eventsOf(2).map(describeEvent);
  assert.match(lines[0] ?? '', /^free 0x/);
  const b = session.blocksAt(4).find((blk) => blk.state === 'used');
  assert.equal(b?.requested, 5000);
  assert.equal(session.birthOf(b?.ptr ?? -1, 4), 3, 'the realloc made it');
  assert.equal(session.birthOf(b?.ptr ?? -1, 3), -1, 'not live yet before op 3 (or another block)');
});

test('the playground language: calls, automatic names, realloc renaming, and every error named by line', () => {
  const t = parsePlayground('malloc(8)\nq = calloc(4, 10)\n# comment\nr = realloc(q, 100)\nfree(p1)\nfree(r)');
  assert.deepEqual([...t.kinds], [OP_ALLOC, OP_ALLOC, 2, OP_FREE, OP_FREE]);
  assert.deepEqual([...t.sizes], [8, 40, 100, 0, 0]);
  assert.deepEqual([...t.ids], [0, 1, 1, 0, 1]);
  const bad: [string, RegExp][] = [
    ['mallok(3)', /line 1: expected malloc/],
    ['p = malloc(x)', /line 1: malloc: expected a size/],
    ['free(q)', /line 1: free: 'q' is not a live pointer/],
    ['p = malloc(1)\np = malloc(2)', /line 2: 'p' still holds a live block/],
    ['p = malloc(1, 2)', /line 1: malloc takes 1 argument, got 2/],
    ['p = malloc(1)\nx = free(p)', /line 2: free returns nothing/],
    ['p = malloc(99999999999)', /below 2\^32/],
  ];
  for (const [text, message] of bad) assert.throws(() => parsePlayground(text), (e: unknown) => e instanceof PlaygroundError && message.test(e.message), text);
  assert.equal(parsePlayground('0\n1\n2\n0\na 0 8\nf 0\n').length, 2, 'a pasted .rep trace');
});

const block = (offset: number, size: number, state: string): BlockInfo => ({ ptr: offset + 8, offset, size, state: state as BlockInfo['state'], requested: state === 'used' ? size - 8 : 0 });

test('fragmentation figures of hand-made heaps', () => {
  const one = fragmentationOf([block(0, 64, 'used'), block(64, 1000, 'free')]);
  assert.deepEqual([one.external, one.spread, one.largestFree, one.freeBlocks], [0, 0, 1000, 1]);
  const four = fragmentationOf([block(0, 100, 'free'), block(100, 8, 'used'), block(108, 100, 'free'), block(208, 100, 'free'), block(308, 100, 'top'), block(408, 50, 'reserved')]);
  assert.equal(four.freeBytes, 400);
  assert.equal(four.external, 0.75);
  assert.equal(four.spread, 0.5, '1 - sqrt(4 * 100^2) / 400');
  assert.equal(four.histogram[6], 4, 'four blocks in [64, 128)');
  assert.deepEqual(fragmentationOf([]).histogram.reduce((a, b) => a + b, 0), 0);
});

test('the terminal map scales blocks to the width, the header drawn as metadata', () => {
  const line = terminalMap([block(16, 16, 'used'), block(32, 32, 'free')], 8);
  assert.equal(line, 'mm##....');
  assert.equal(terminalMap([], 10), '');
  assert.equal(terminalMap([block(0, 8, 'used'), block(8, 8, 'newstate')], 2), '#n', 'an unknown state prints its first letter');
});

test('unknown states get a colour and unknown events a generic line', () => {
  assert.match(stateStyle('quarantined').colour, /^hsl\(/);
  assert.equal(stateStyle('quarantined').colour, stateStyle('quarantined').colour);
  assert.equal(describeEvent({ type: 'buddy-split', order: 3, block: 64 }), 'buddy-split order=3 block=64');
});

test('report specs: allocator x backing, and bad names are usage errors', () => {
  assert.deepEqual(reportSpecs(undefined, undefined), [{ label: 'segfit', backing: 'wasm' }]);
  assert.deepEqual(reportSpecs('segfit', 'resizable,wasm').map((s) => s.label), ['segfit on resizable', 'segfit on wasm']);
  assert.throws(() => reportSpecs('nonesuch', undefined), (e: unknown) => e instanceof UsageError && /unknown allocator 'nonesuch'/.test(e.message));
  assert.throws(() => reportSpecs(undefined, 'arraybuffer'), UsageError);
  assert.throws(() => reportSpecs('segfit,', undefined), UsageError);
});

test('replay --map: one line of the terminal width, between bars, and a legend of the states present', () => {
  const trace = parsePlayground('p = malloc(4000)\nq = malloc(300000)\nr = malloc(100)\nfree(p)');
  const [title, line, legend] = mapLines('t', trace, { backing: 'arraybuffer' }, 60);
  assert.match(title ?? '', /^t: heap after 4 ops/);
  assert.equal(line?.length, 60);
  // p's 4000 freed bytes show, then the 300,000-byte page run fills most of the line
  assert.match(line ?? '', /^\|[^M]*\.[^M]*M{40,}\|$/);
  assert.match(legend ?? '', /# used/);
  assert.match(legend ?? '', /M mapped/);
});

test('the embedded trace encoding reads back every op, and refuses damaged bytes', () => {
  fc.assert(fc.property(traceArb, (trace) => {
    const back = decodeTrace(encodeTrace(trace), 'x');
    assert.deepEqual([back.length, back.idCount, [...back.kinds], [...back.ids], [...back.sizes]], [trace.length, trace.idCount, [...trace.kinds], [...trace.ids], [...trace.sizes]]);
  }), { numRuns: 50 });
  const big = parsePlayground('p = malloc(4294967295)\nfree(p)');
  assert.equal(decodeTrace(encodeTrace(big), 'x').sizes[0], 4294967295);
  const bytes = encodeTrace(parsePlayground('p = malloc(100)\nq = malloc(200)\nfree(p)'));
  assert.throws(() => decodeTrace(bytes.subarray(0, bytes.length - 1), 'x'), TraceCodecError);
  assert.throws(() => decodeTrace(Uint8Array.from([...bytes, 0]), 'x'), /after the last op/);
  assert.throws(() => decodeTrace(Uint8Array.from([3, ...bytes.subarray(1)]), 'x'), /version 3/);
  const badKind = Uint8Array.from(bytes); badKind[5] = 7;
  assert.throws(() => decodeTrace(badKind, 'x'), /unknown kind 7/);
});

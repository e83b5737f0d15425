import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLiveness } from '../src/trace/liveness.js';
import { readTrace } from '../src/trace/read-trace.js';
import { parseRep } from '../src/trace/rep.js';
import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace, TraceFormatError } from '../src/trace/types.js';

// Compiled to .build/test/: fixtures are two folders up, the CLI beside the compiled sources.
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/import/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

const KIND_LETTER = { [OP_ALLOC]: 'a', [OP_FREE]: 'f', [OP_REALLOC]: 'r' } as Record<number, string>;

/** The ops of a trace as `.rep` op lines, for comparing with what a fixture must give. */
function opLines(trace: Trace): string[] {
  const lines: string[] = [];
  for (let i = 0; i < trace.length; i++) {
    const letter = KIND_LETTER[trace.kinds[i] as number] as string;
    lines.push(letter === 'f' ? `f ${trace.ids[i]}` : `${letter} ${trace.ids[i]} ${trace.sizes[i]}`);
  }
  return lines;
}

async function expectBadLine(name: string, line: number, detail: RegExp): Promise<void> {
  await assert.rejects(readTrace(fixture(name)), (error: unknown) => {
    assert.ok(error instanceof TraceFormatError, String(error));
    assert.equal(error.line, line, error.message);
    assert.match(error.message, detail);
    assert.ok(error.message.startsWith(`${fixture(name)}:${line}: `), error.message);
    return true;
  });
}

test('glibc mtrace: realloc pairs become one r op, callers become call sites', async () => {
  const trace = await readTrace(fixture('mtrace-glibc.log'));
  assert.deepEqual(opLines(trace), ['a 0 10', 'a 1 24', 'r 0 100', 'f 1', 'a 2 50', 'f 2', 'f 0', 'a 3 5', 'f 3']);
  assert.equal(trace.detail?.meta.format, 'mtrace');
  assert.equal(trace.detail?.sites[0]?.pc, '0x11a0');
  assert.equal(trace.detail?.sites[0]?.module, './mt');
  assert.equal(trace.detail?.siteIndex[2], 2, 'the realloc takes the caller of its > line');
  checkLiveness(trace);
});

test('ltrace: NULL pointers, other functions and notices skipped, unknown free counted, reused address is a new id', async () => {
  const trace = await readTrace(fixture('ltrace-plain.txt'));
  assert.deepEqual(opLines(trace), ['a 0 16', 'a 1 32', 'r 0 64', 'f 1', 'a 2 24', 'a 3 8']);
  assert.equal(trace.detail?.meta['unknown-frees'], '1');
  checkLiveness(trace);
});

test('ltrace -f -tt: unfinished calls are resumed per pid, pids become threads, time never goes back', async () => {
  const trace = await readTrace(fixture('ltrace-threads.txt'));
  assert.deepEqual(opLines(trace), ['a 0 48', 'a 1 32', 'f 1', 'f 0']);
  assert.deepEqual(trace.detail?.threads, [4102, 4101]);
  assert.deepEqual([...trace.detail?.threadIndex ?? []], [0, 1, 0, 1]);
  const times = [...trace.detail?.times ?? []];
  assert.deepEqual(times, [...times].sort((x, y) => x - y));
  assert.equal(times[3]! - times[0]!, 250_000, 'nanoseconds between 12:00:00.000150 and .000400');
});

test('real ltrace output: the program of mtrace-glibc.log, its untraced posix_memalign block freed as unknown', async () => {
  const trace = await readTrace(fixture('ltrace-real-mt.txt'));
  assert.deepEqual(opLines(trace), ['a 0 10', 'a 1 24', 'r 0 100', 'f 1', 'f 0', 'a 2 5', 'f 2']);
  assert.equal(trace.detail?.meta['unknown-frees'], '1');
});

test('real ltrace -f -tt -o output of a threaded program: bare pids, resumed calls, misnamed libc-internal calls counted', async () => {
  const trace = await readTrace(fixture('ltrace-real-threads.txt'));
  checkLiveness(trace);
  assert.equal(trace.detail?.threads.length, 4);
  assert.ok(Number(trace.detail?.meta['implausible-calls']) >= 1, 'libc.so.6->calloc(PTR, SIZE) is not imported as a calloc');
  assert.ok(trace.length > 20);
});

test('ltrace: a free takes effect when it starts, so another thread may be handed the block before it is resumed', async () => {
  const trace = await readTrace(fixture('ltrace-free-race.txt'));
  assert.deepEqual(opLines(trace), ['a 0 16', 'f 0', 'a 1 16', 'f 1']);
  assert.equal(trace.detail?.meta['implied-frees'], undefined);
  assert.equal(trace.detail?.meta['unknown-frees'], undefined);
});

test('Android malloc_debug record_allocs: calloc multiplies, memalign keeps its alignment, realloc of 0x0 allocates', async () => {
  const trace = await readTrace(fixture('malloc-debug.txt'));
  assert.deepEqual(opLines(trace), ['a 0 48', 'a 1 256', 'a 2 104', 'r 0 150', 'f 2', 'a 3 12']);
  assert.equal(trace.detail?.aligns[2], 16);
  assert.deepEqual(trace.detail?.threads, [100, 200, 300]);
  assert.equal(trace.detail?.meta['unknown-frees'], '1');
  const timed = await readTrace(fixture('malloc-debug-timed.txt'));
  assert.deepEqual([...timed.detail?.times ?? []], [0, 1000]);
});

test('malformed logs name file and line', async () => {
  await expectBadLine('mtrace-bad-pair.log', 4, /expected the '>' line of the realloc on line 3/);
  await expectBadLine('mtrace-bad-size.log', 3, /expected a size like 0x40, got 'ten'/);
  await expectBadLine('ltrace-bad.txt', 2, /expected an ltrace line/);
  await expectBadLine('malloc-debug-bad.txt', 2, /malloc takes 2 field\(s\)/);
  await expectBadLine('unknown.txt', 1, /unrecognised trace format/);
});

test('an mtrace < line left without its > at the end of the file is an error on its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-import-'));
  const path = join(dir, 'cut.log');
  writeFileSync(path, '= Start\n+ 0x1000 0x10\n< 0x1000\n');
  await assert.rejects(readTrace(path), (error: unknown) => error instanceof TraceFormatError && error.line === 3);
});

test('heapflow convert: mtrace log to .rep, readable by the .rep parser; bad input exits 2 with file:line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-convert-'));
  const out = join(dir, 'mt.rep');
  const run = spawnSync(process.execPath, [CLI, 'convert', fixture('mtrace-glibc.log'), '-o', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const trace = parseRep(readFileSync(out, 'latin1'), out);
  assert.deepEqual(opLines(trace), ['a 0 10', 'a 1 24', 'r 0 100', 'f 1', 'a 2 50', 'f 2', 'f 0', 'a 3 5', 'f 3']);

  const unknown = spawnSync(process.execPath, [CLI, 'convert', fixture('ltrace-plain.txt'), '-o', join(dir, 'l.hft')], { encoding: 'utf8' });
  assert.equal(unknown.status, 0, unknown.stderr);
  assert.match(unknown.stderr, /not matched: unknown-frees 1/);

  const bad = spawnSync(process.execPath, [CLI, 'convert', fixture('mtrace-bad-size.log'), '-o', join(dir, 'x.rep')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, `heapflow: ${fixture('mtrace-bad-size.log')}:3: expected a size like 0x40, got 'ten' in '+ 0x55a61f4282c0 ten'\n`);

  const forced = spawnSync(process.execPath, [CLI, 'convert', fixture('mtrace-glibc.log'), '--from', 'ltrace', '-o', join(dir, 'y.rep')], { encoding: 'utf8' });
  assert.equal(forced.status, 2, 'an mtrace log read as ltrace is malformed');
  assert.match(forced.stderr, /mtrace-glibc\.log:1: expected an ltrace line/);

  for (const args of [['convert'], ['convert', fixture('ltrace-plain.txt')], ['convert', fixture('ltrace-plain.txt'), '-o', 'out.txt'],
    ['convert', fixture('ltrace-plain.txt'), '-o', 'x.rep', '--from', 'valgrind']]) {
    const usage = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(usage.status, 2, args.join(' '));
    assert.match(usage.stderr, /^heapflow: /);
  }
});

test('AddressMap agrees with a Map under random set/get/delete, across growth and backward-shift deletion', async () => {
  const { AddressMap } = await import('../src/trace/import/address-map.js');
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.array(fc.record({ op: fc.nat({ max: 2 }), slot: fc.nat({ max: 300 }), id: fc.nat({ max: 1e6 }) }), { maxLength: 3000 }),
    (steps) => {
      const map = new AddressMap(2);
      const model = new Map<number, number>();
      for (const { op, slot, id } of steps) {
        const addr = 0x55d0c3a00000 + slot * 16; // 47-bit addresses, as user space has
        if (op === 0) { map.set(addr, id); model.set(addr, id); }
        else if (op === 1) assert.equal(map.get(addr), model.get(addr) ?? -1);
        else { assert.equal(map.delete(addr), model.get(addr) ?? -1); model.delete(addr); }
        assert.equal(map.size, model.size);
      }
      for (const [addr, id] of model) assert.equal(map.get(addr), id);
    }), { numRuns: 100 });
});

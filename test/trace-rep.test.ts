import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { formatRep, parseRep } from '../src/trace/rep.js';
import { checkLiveness } from '../src/trace/liveness.js';
import { readRep, TraceFileError } from '../src/trace/read-rep.js';
import { OP_ALLOC, OP_FREE, OP_REALLOC, TraceFormatError } from '../src/trace/types.js';

// Compiled to .build/test/, so the package root is two folders up.
const TRACE_DIR = fileURLToPath(new URL('../../traces/malloclab/', import.meta.url));
const BUNDLED = readdirSync(TRACE_DIR).filter((name) => name.endsWith('.rep')).sort();

function expectFormatError(text: string, line: number, detail: RegExp): void {
  assert.throws(() => parseRep(text, 'bad.rep'), (error: unknown) => {
    assert.ok(error instanceof TraceFormatError, `expected TraceFormatError, got ${String(error)}`);
    assert.equal(error.source, 'bad.rep');
    assert.equal(error.line, line, `line of: ${error.message}`);
    assert.match(error.message, detail);
    assert.ok(error.message.startsWith(`bad.rep:${line}: `), error.message);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

function expectLivenessError(text: string, line: number, detail: RegExp): void {
  const trace = parseRep(text, 'live.rep');
  assert.throws(() => checkLiveness(trace), (error: unknown) => {
    assert.ok(error instanceof TraceFormatError);
    assert.equal(error.line, line, error.message);
    assert.match(error.message, detail);
    return true;
  });
}

test('bundled malloc-lab traces are all there', () => {
  assert.equal(BUNDLED.length, 13);
});

for (const name of BUNDLED) {
  test(`parses ${name}, passes the liveness check and round-trips through formatRep`, () => {
    const text = readFileSync(join(TRACE_DIR, name), 'latin1');
    const trace = parseRep(text, name);
    const headerOps = Number(text.split('\n')[2]);
    assert.equal(trace.length, headerOps);
    assert.equal(trace.kinds.length, headerOps);
    assert.equal(trace.source, name);
    checkLiveness(trace);
    assert.equal(formatRep(trace), text);
  });
}

test('parses the fields of each op', () => {
  const trace = parseRep('100\n3\n4\n1\na 0 16\nr 0 32\na 2 0\nf 0\n', 'x.rep');
  assert.equal(trace.suggestedHeapSize, 100);
  assert.equal(trace.idCount, 3);
  assert.equal(trace.weight, 1);
  assert.equal(trace.firstOpLine, 5);
  assert.deepEqual([...trace.kinds], [OP_ALLOC, OP_REALLOC, OP_ALLOC, OP_FREE]);
  assert.deepEqual([...trace.ids], [0, 0, 2, 0]);
  assert.deepEqual([...trace.sizes], [16, 32, 0, 0]);
});

test('accepts CRLF line endings and a missing final newline', () => {
  const lf = '10\n2\n3\n1\na 0 8\na 1 9\nf 0\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const noFinal = lf.slice(0, -1);
  const noFinalCrlf = crlf.slice(0, -2);
  for (const text of [crlf, noFinal, noFinalCrlf]) {
    assert.equal(formatRep(parseRep(text, 't.rep')), lf);
  }
});

test('an empty trace (0 ops) is valid', () => {
  const trace = parseRep('0\n0\n0\n1\n', 'empty.rep');
  assert.equal(trace.length, 0);
  assert.equal(formatRep(trace), '0\n0\n0\n1\n');
});

const HEADER = '100\n6\n3\n1\n';

test('malformed header lines name the line and the field', () => {
  expectFormatError('', 1, /truncated header: expected the suggested heap size .* got end of file/);
  expectFormatError('100\n6\n', 3, /truncated header: expected the number of ops/);
  expectFormatError('100\nsix\n3\n1\n', 2, /expected the number of ids \(an integer >= 0\), got 'six'/);
  expectFormatError('100\n6\n-3\n1\n', 3, /expected the number of ops \(an integer >= 0\), got '-3'/);
  expectFormatError('100\n6\n3 \n1\n', 3, /got '3 '/);
  expectFormatError('100\n6\n3\n\n', 4, /expected the weight .* got ''/);
  expectFormatError('100\n6\n3\n1.5\n', 4, /got '1.5'/);
});

test('malformed op lines name the line and say what was expected', () => {
  expectFormatError(`${HEADER}a 0 8\na 3\nf 0\n`, 6, /expected 'a <id> <size>', got 'a 3'/);
  expectFormatError(`${HEADER}r 0\nf 0\nf 1\n`, 5, /expected 'r <id> <size>', got 'r 0'/);
  expectFormatError(`${HEADER}a 0 8\nf 0 8\nf 1\n`, 6, /expected 'f <id>', got 'f 0 8'/);
  expectFormatError(`${HEADER}a 0 8\nx 1 2\nf 0\n`, 6, /unknown op 'x': expected 'a <id> <size>', 'f <id>' or 'r <id> <size>'/);
  expectFormatError(`${HEADER}A 0 8\na 1 2\nf 0\n`, 5, /unknown op 'A'/);
  expectFormatError(`${HEADER}a 0 eight\na 1 2\nf 0\n`, 5, /size must be an integer >= 0, got 'eight' in 'a 0 eight'/);
  expectFormatError(`${HEADER}a 0 -8\na 1 2\nf 0\n`, 5, /size must be an integer >= 0, got '-8'/);
  expectFormatError(`${HEADER}a -1 8\na 1 2\nf 0\n`, 5, /id must be an integer >= 0, got '-1'/);
  expectFormatError(`${HEADER}a 0 8.5\na 1 2\nf 0\n`, 5, /size must be an integer >= 0, got '8.5'/);
  expectFormatError(`${HEADER}a 0 99999999999999999999\na 1 2\nf 0\n`, 5, /size 99999999999999999999 is too large/);
  expectFormatError(`${HEADER}a 0  8\na 1 2\nf 0\n`, 5, /single spaces/);
  expectFormatError(`${HEADER}a\t0 8\na 1 2\nf 0\n`, 5, /unknown op 'a\\x09/);
  expectFormatError(`${HEADER}a 0 8 \na 1 2\nf 0\n`, 5, /expected 'a <id> <size>', got 'a 0 8 '/);
  expectFormatError(`${HEADER}a 0 8\n\nf 0\n`, 6, /expected an op line .* got an empty line/);
});

test('ids must be below the number of ids', () => {
  expectFormatError(`${HEADER}a 0 8\na 9 8\nf 0\n`, 6, /id 9 out of range \[0, 6\)/);
  expectFormatError(`${HEADER}a 0 8\na 6 8\nf 0\n`, 6, /id 6 out of range \[0, 6\)/);
  expectFormatError(`${HEADER}a 0 8\na 1 8\nf 6\n`, 7, /id 6 out of range \[0, 6\)/);
});

test('the op count must match the header', () => {
  expectFormatError('100\n6\n12\n1\na 0 8\nf 0\n', 7, /header says 12 ops but the file has 2/);
  expectFormatError(`${HEADER}a 0 8\na 1 8\n`, 7, /header says 3 ops but the file has 2/);
  expectFormatError(`${HEADER}a 0 8\na 1 8\nf 0\nf 1\n`, 8, /header says 3 ops but the file has 4/);
  expectFormatError(`${HEADER}a 0 8\na 1 8\nf 0\nf 1\r\nf 2`, 8, /header says 3 ops but the file has 5/);
  expectFormatError(`${HEADER}a 0 8\na 1 8\nf 0\n\n`, 8, /unexpected empty line after the last of 3 ops/);
});

test('a truncated file is reported at the end, with the counts', () => {
  const full = readFileSync(join(TRACE_DIR, 'short1-bal.rep'), 'latin1');
  const lines = full.split('\n');
  // Keep the header and 7 of the 12 ops.
  const truncated = `${lines.slice(0, 11).join('\n')}\n`;
  expectFormatError(truncated, 12, /header says 12 ops but the file has 7/);
  // Cut in the middle of a line: the last line is incomplete.
  const midLine = full.slice(0, full.indexOf('\n', full.indexOf('a 2 48')) - 3);
  expectFormatError(midLine, 8, /expected 'a <id> <size>', got 'a 2'/);
});

test('liveness: f and r only on live ids, a never on a live id', () => {
  expectLivenessError(`${HEADER}a 0 8\nf 0\nf 0\n`, 7, /'f 0' on id 0, which is not live: it was freed on line 6/);
  expectLivenessError(`${HEADER}a 0 8\nf 1\nf 0\n`, 6, /'f 1' on id 1, which is not live: it was never allocated/);
  expectLivenessError(`${HEADER}a 0 8\nf 0\nr 0 9\n`, 7, /'r 0 9' on id 0, which is not live/);
  expectLivenessError(`${HEADER}a 0 8\na 0 9\nf 0\n`, 6, /'a 0 9' allocates id 0, which is still live/);
  // Allocating an id again after its free is allowed.
  checkLiveness(parseRep(`${HEADER}a 0 8\nf 0\na 0 16\n`, 'ok.rep'));
});

test('readRep reads a file and reports a missing one as TraceFileError', async () => {
  const trace = await readRep(join(TRACE_DIR, 'short2-bal.rep'));
  assert.equal(trace.length, 12);
  await assert.rejects(readRep(join(TRACE_DIR, 'no-such-trace.rep')), (error: unknown) => {
    assert.ok(error instanceof TraceFileError);
    assert.match(error.message, /no-such-trace\.rep: cannot read trace: no such file/);
    return true;
  });
});

test('parses a 200k-line trace in well under 100 ms', () => {
  const ids = 50_000;
  const parts = ['1000000', String(ids), '200000', '1'];
  for (let round = 0; round < 2; round++) {
    for (let id = 0; id < ids; id++) parts.push(`a ${id} ${(id * 37) % 5000 + 1}`);
    for (let id = 0; id < ids; id++) parts.push(`f ${id}`);
  }
  const text = `${parts.join('\n')}\n`;
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    const trace = parseRep(text, 'big.rep');
    best = Math.min(best, performance.now() - start);
    assert.equal(trace.length, 200_000);
  }
  assert.ok(best < 100, `best parse took ${best.toFixed(1)} ms`);
});

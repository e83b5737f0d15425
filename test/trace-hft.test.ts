import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatHft, parseHft } from '../src/trace/hft.js';
import { readTrace } from '../src/trace/read-trace.js';
import { TraceFileError } from '../src/trace/read-rep.js';
import { formatRep, parseRep } from '../src/trace/rep.js';
import { TraceBuilder } from '../src/trace/trace-builder.js';
import { NO_SITE, OP_ALLOC, OP_FREE, OP_REALLOC, type Trace, TraceFormatError } from '../src/trace/types.js';
import { writeTrace } from '../src/trace/write-trace.js';

const REAL = fileURLToPath(new URL('../../traces/real/', import.meta.url));

/** A random valid trace with detail: ops on live ids, sites and threads from their tables. */
const arbitraryTrace = fc.record({
  steps: fc.array(fc.record({ pick: fc.nat(), size: fc.nat({ max: 1 << 20 }), alignLog: fc.integer({ min: 0, max: 12 }),
    dt: fc.nat({ max: 1e6 }), thread: fc.nat({ max: 2 }), site: fc.integer({ min: -1, max: 3 }), op: fc.nat({ max: 2 }) }),
  { maxLength: 200 }),
  fn: fc.string({ maxLength: 12 }),
}).map(({ steps, fn }) => {
  const b = new TraceBuilder();
  b.threads.push(11, 12, 13);
  for (let s = 0; s < 4; s++) b.sites.push({ pc: `0x${(0x401000 + s).toString(16)}`, module: `/bin/my prog+0x${s}`, fn: `${fn} %${s}`, location: s === 0 ? '?' : `a b.c:${s}` });
  b.meta.command = 'prog --flag "x y"';
  const live: number[] = [];
  let next = 0;
  let time = 0;
  for (const st of steps) {
    time += st.dt;
    const facts = { align: 0, time, thread: st.thread, site: st.site < 0 ? NO_SITE : st.site };
    if (st.op === 0 || live.length === 0) {
      live.push(next);
      b.append(OP_ALLOC, next++, st.size, { ...facts, align: st.alignLog === 0 ? 0 : 2 ** st.alignLog });
    } else {
      const at = st.pick % live.length;
      const id = live[at] as number;
      if (st.op === 1) { live.splice(at, 1); b.append(OP_FREE, id, 0, facts); } else b.append(OP_REALLOC, id, st.size, facts);
    }
  }
  return b.build('random.hft', true);
});

test('.hft round trip: formatHft then parseHft gives back every op, fact and table', () => {
  fc.assert(fc.property(arbitraryTrace, (trace) => {
    const back = parseHft([...formatHft(trace)].join(''), 'random.hft');
    assert.deepEqual(back, trace);
  }), { numRuns: 200 });
});

test('.hft without detail lines reads like the .rep it came from', () => {
  const rep = parseRep('0\n2\n4\n1\na 0 16\nr 0 32\na 1 8\nf 0\n', 'x.rep');
  const hft = parseHft([...formatHft(rep)].join(''), 'x.hft');
  assert.equal(formatRep({ ...hft, suggestedHeapSize: 0 }), formatRep(rep));
});

const BAD: [string, number, RegExp][] = [
  ['', 1, /expected 'hft 1' on the first line/],
  ['hft 2\n', 1, /expected 'hft 1'/],
  ['hft 1\na 0\n', 2, /expected 'a <id> <size>/],
  ['hft 1\na 1 8\n', 2, /id 1 skips ahead: .* next new id is 0/],
  ['hft 1\nf 0\n', 2, /never allocated/],
  ['hft 1\na 0 -8\n', 2, /size must be an integer >= 0, got '-8'/],
  ['hft 1\na 0 8 3 0 0 -\n', 2, /align 3 is not a power of two/],
  ['hft 1\na 0 8 0 0 1 -\n', 2, /thread 1 was not declared/],
  ['hft 1\na 0 8 0 0 0 0\n', 2, /site 0 was not declared/],
  ['hft 1\nt 1 100\n', 2, /thread 1 out of order/],
  ['hft 1\ns 0 4005d4 m ? f\n', 2, /pc must be lower-case hex/],
  ['hft 1\ns 0 0x1 m ?\n', 2, /expected 's <site> <pc> <module> <location> <function>'/],
  ['hft 1\na 0 8\n\n', 3, /unexpected empty line/],
  ['hft 1\nx 0\n', 2, /unknown line 'x 0'/],
  ['hft 1\nm\n', 2, /expected 'm <key> <value>'/],
  ['hft 1\na 0 8 0 1e3 0 -\n', 2, /dt must be an integer >= 0/],
];

test('every malformed .hft line is a TraceFormatError naming its line', () => {
  for (const [text, line, detail] of BAD) {
    assert.throws(() => parseHft(text, 'bad.hft'), (error: unknown) => {
      assert.ok(error instanceof TraceFormatError, `${JSON.stringify(text)}: ${String(error)}`);
      assert.equal(error.line, line, `${JSON.stringify(text)}: ${error.message}`);
      assert.match(error.message, detail);
      return true;
    });
  }
});

test('files: .hft.gz and .rep.gz written and read back by content, whatever the name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-hft-'));
  const trace = fc.sample(arbitraryTrace, { numRuns: 1, seed: 7 })[0] as Trace;
  for (const name of ['t.hft', 't.hft.gz']) {
    await writeTrace(join(dir, name), trace);
    assert.deepEqual(await readTrace(join(dir, name)), { ...trace, source: join(dir, name) });
  }
  await writeTrace(join(dir, 't.rep.gz'), trace);
  const rep = await readTrace(join(dir, 't.rep.gz'));
  assert.equal(rep.detail, undefined);
  assert.deepEqual([...rep.ids], [...trace.ids]);
});

test('a truncated or corrupt gzip file is a TraceFileError, a missing file too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-hft-'));
  writeFileSync(join(dir, 'bad.hft.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
  await assert.rejects(readTrace(join(dir, 'bad.hft.gz')), (error: unknown) =>
    error instanceof TraceFileError && /not a valid gzip file/.test(error.message));
  await assert.rejects(readTrace(join(dir, 'none.hft')), (error: unknown) =>
    error instanceof TraceFileError && /no such file/.test(error.message));
});

test('the bundled real-program .rep.gz traces read and pass the liveness check', async () => {
  const trace = await readTrace(join(REAL, 'objdump.rep.gz'));
  assert.equal(trace.length, 12_852);
  assert.equal(trace.detail, undefined);
});

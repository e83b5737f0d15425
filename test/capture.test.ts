import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generalAllocatorNames } from '../src/policies.js';
import { checkLiveness } from '../src/trace/liveness.js';
import { readTrace } from '../src/trace/read-trace.js';
import { replayTrace } from '../src/trace/replay.js';
import { NO_SITE, OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from '../src/trace/types.js';

// Compiled to .build/test/: fixtures are two folders up, the CLI beside the compiled sources.
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/capture/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const NO_CC = has('cc') ? false : 'no C compiler (cc) on PATH';

function capture(dir: string, output: string, command: string[], env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(process.execPath, [CLI, 'capture', '-o', join(dir, output), '--', ...command],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(run.status, 0, `${command.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** Replays with full verification on every policy; the replay must be clean. */
function replayVerified(trace: Trace): void {
  checkLiveness(trace);
  for (const allocator of generalAllocatorNames()) {
    const result = replayTrace(trace, { verify: true, timed: false, heapOptions: { allocator } });
    assert.equal(result.errors, 0, `${trace.source} on ${allocator}: ${result.errorMessages.join('; ')}`);
  }
}

/** Ops by kind whose call site lies in `module` (the program's own calls, not libc's). */
function opsFrom(trace: Trace, module: string): { allocs: number; reallocs: number; frees: number } {
  const counts = { allocs: 0, reallocs: 0, frees: 0 };
  const detail = trace.detail;
  assert.ok(detail !== undefined);
  for (let i = 0; i < trace.length; i++) {
    const site = detail.siteIndex[i] as number;
    if (site === NO_SITE || !(detail.sites[site]?.module.startsWith(`${module}+`) ?? false)) continue;
    const kind = trace.kinds[i];
    if (kind === OP_ALLOC) counts.allocs++;
    else if (kind === OP_REALLOC) counts.reallocs++;
    else if (kind === OP_FREE) counts.frees++;
  }
  return counts;
}

test('capture a multi-threaded C program that forks: every call it makes is recorded, with its call site', { skip: NO_CC }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  const binary = join(dir, 'threads');
  const build = spawnSync('cc', ['-O2', '-g', '-pthread', join(FIXTURES, 'threads.c'), '-o', binary], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const stdout = capture(dir, 'threads.hft.gz', [binary]);
  const reported = /allocs (\d+) reallocs (\d+) frees (\d+) child-allocs (\d+) child-frees (\d+)/.exec(stdout);
  assert.ok(reported !== null, stdout);
  const [allocs, reallocs, frees, childAllocs, childFrees] = reported.slice(1).map(Number) as number[];

  const trace = await readTrace(join(dir, 'threads.hft.gz'));
  assert.deepEqual(opsFrom(trace, binary), { allocs, reallocs, frees });
  assert.equal(trace.detail?.meta['unknown-frees'], undefined, 'every free matched');
  assert.ok((trace.detail?.threads.length ?? 0) >= 5, 'the main thread and four workers');
  const aligned = [...trace.detail?.aligns ?? []].filter((a) => a === 64 || a === 32 || a === 128).length;
  assert.equal(aligned, (allocs as number) / 2, 'posix_memalign, aligned_alloc and memalign keep their alignment');
  const site = trace.detail?.sites.find((s) => s.module.startsWith(`${binary}+`));
  assert.equal(site?.fn, 'work', 'call sites resolved to the function');
  assert.match(site?.location ?? '', /threads\.c:\d+$/, 'and to file:line (built with -g)');
  replayVerified(trace);

  const childFile = readdirSync(dir).find((name) => /^threads\.\d+\.hft\.gz$/.test(name));
  assert.ok(childFile !== undefined, 'the forked child wrote its own trace');
  const child = await readTrace(join(dir, childFile));
  const fromChild = opsFrom(child, binary);
  assert.deepEqual([fromChild.allocs, fromChild.frees], [childAllocs, childFrees]);
  replayVerified(child);
});

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('capture python3 with PYTHONMALLOC=malloc (its small-object allocator would hide most calls)', { skip: NO_CC || (has(PYTHON) ? false : 'no python3') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  capture(dir, 'py.hft.gz', [PYTHON, '-c', 'd = {str(i): [i] * 3 for i in range(5000)}\nprint(sum(map(len, d.values())))'],
    { PYTHONMALLOC: 'malloc' });
  const trace = await readTrace(join(dir, 'py.hft.gz'));
  assert.ok(trace.length > 10_000, `${trace.length} ops: the dict's 5 000 lists and strings are there`);
  assert.equal(trace.detail?.meta['unknown-frees'], undefined, 'every free matched');
  replayVerified(trace);
});

test('capture sqlite3 running a query', { skip: NO_CC || (has('sqlite3') ? false : 'no sqlite3') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  capture(dir, 'sqlite.hft.gz', ['sqlite3', ':memory:',
    'create table t(k integer primary key, v text); ' +
    'with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000) insert into t select i, printf(\'row %d\', i) from n; ' +
    'select count(*), max(length(v)) from t;']);
  const trace = await readTrace(join(dir, 'sqlite.hft.gz'));
  assert.ok(trace.length > 1000, `${trace.length} ops`);
  assert.equal(trace.detail?.meta['unknown-frees'], undefined, 'every free matched');
  replayVerified(trace);
});

test('capture gcc compiling a file: the driver and each program it runs (cc1, as) get a trace', { skip: has('gcc') ? false : 'no gcc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  writeFileSync(join(dir, 'small.c'), 'struct p { int x, y; };\nint add(struct p a) { return a.x + a.y; }\nint main(void) { struct p q = { 1, 2 }; return add(q) - 3; }\n');
  capture(dir, 'gcc.hft.gz', ['gcc', '-O2', '-c', 'small.c', '-o', 'small.o']);
  assert.ok(existsSync(join(dir, 'small.o')), 'gcc still worked under capture');
  const files = readdirSync(dir).filter((name) => name.endsWith('.hft.gz'));
  assert.ok(files.length >= 3, `driver, cc1 and as: ${files.join(', ')}`);
  const traces = await Promise.all(files.map((name) => readTrace(join(dir, name))));
  const biggest = traces.reduce((a, b) => (a.length >= b.length ? a : b));
  assert.ok(biggest.length > 1000, `cc1 allocates: ${biggest.length} ops`);
  for (const trace of traces) {
    assert.equal(trace.detail?.meta['unknown-frees'], undefined, `${trace.source}: every free matched`);
    replayVerified(trace);
  }
});

test('capture: usage errors and a missing command exit 2 with one line', { skip: NO_CC }, () => {
  for (const args of [['capture'], ['capture', '--'], ['capture', '-o', 'x.txt', '--', 'true'], ['capture', 'x', '--', 'true'],
    ['capture', '--', '/no/such/program']]) {
    const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmpdir() });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^heapflow: /);
  }
});

test('capture names the missing compiler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  const run = spawnSync(process.execPath, [CLI, 'capture', '-o', join(dir, 'x.hft.gz'), '--', 'true'],
    { encoding: 'utf8', env: { ...process.env, CC: 'no-such-cc', XDG_CACHE_HOME: dir } });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /no C compiler 'no-such-cc' on PATH/);
});

test('a program that closes every descriptor and reuses the recorder\'s number keeps its own file intact', { skip: NO_CC }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  const binary = join(dir, 'closefds');
  const build = spawnSync('cc', ['-O2', join(FIXTURES, 'closefds.c'), '-o', binary], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const stdout = capture(dir, 'closefds.hft.gz', [binary, join(dir, 'own.txt')]);
  assert.match(stdout, /^descriptor \d+ size 5\n$/);
});

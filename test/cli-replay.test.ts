import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generalAllocatorNames } from '../src/index.js';

// Compiled to .build/test/: the CLI is .build/src/cli/main.js, the package root two folders up.
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACE_DIR = join(ROOT, 'traces', 'malloclab');
const SHORT1 = join(TRACE_DIR, 'short1-bal.rep');
const SHORT2 = join(TRACE_DIR, 'short2-bal.rep');
const SCRATCH = mkdtempSync(join(tmpdir(), 'heapflow-cli-'));

function heapflow(args: string[], cwd = ROOT) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const DEMO_REPORT = join(SCRATCH, 'demo-report.html');

/** `demo` is slow (every bundled trace, timed): both demo tests read one run. */
let demoRun: ReturnType<typeof heapflow> | undefined;
function demo(): ReturnType<typeof heapflow> {
  demoRun ??= heapflow(['demo', '--samples', '1', '--report', DEMO_REPORT], SCRATCH);
  return demoRun;
}

function scratchFile(name: string, text: string): string {
  const path = join(SCRATCH, name);
  writeFileSync(path, text);
  return path;
}

/** One line on stderr, no stack trace. */
function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('replay --json prints exactly one parseable JSON line per trace, exit 0', () => {
  const run = heapflow(['replay', '--json', '--samples', '1', SHORT1]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.split('\n');
  assert.equal(lines.length, 2, 'one line and its newline');
  assert.equal(lines[1], '');
  const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
  assert.equal(result.trace, SHORT1);
  assert.equal(result.errors, 0);
  assert.equal(result.ops, 12);
  assert.equal(result.verified, true);
  assert.equal(result.backing, 'arraybuffer');
  for (const key of ['nsPerOp', 'peakLiveBytes', 'peakHeapSize', 'utilization', 'reuseRatio', 'osGrows',
    'osShrinks', 'externalFragmentation', 'sbrkCalls', 'runsMapped', 'runsUnmapped']) {
    assert.equal(typeof result[key], 'number', key);
  }
  assert.ok((result.utilization as number) > 0 && (result.utilization as number) <= 1);
});

test('replay --json of two traces: two lines in the order given', () => {
  const run = heapflow(['replay', SHORT2, '--json', '--samples', '1', SHORT1, '--backing', 'wasm']);
  assert.equal(run.status, 0, run.stderr);
  const results = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { trace: string; backing: string });
  assert.deepEqual(results.map((r) => r.trace), [SHORT2, SHORT1]);
  assert.ok(results.every((r) => r.backing === 'wasm'));
});

test('replay --no-verify still measures, and says it did not verify', () => {
  const run = heapflow(['replay', '--json', '--no-verify', '--samples', '1', SHORT1]);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { verified: boolean; peakLiveBytes: number };
  assert.equal(result.verified, false);
  assert.ok(result.peakLiveBytes > 0);
});

test('replay prints a table with the trace and its measures', () => {
  const run = heapflow(['replay', '--samples', '1', SHORT1, SHORT2]);
  assert.equal(run.status, 0, run.stderr);
  for (const title of ['trace', 'ops', 'ns/op', 'peak live', 'peak heap', 'util', 'frag@peak', 'grows', 'shrinks',
    'sbrk', 'runs map/unmap', 'reused', 'grown', 'errors']) {
    assert.ok(run.stdout.includes(title), title);
  }
  // Traces are named by their base name, so the table stays narrow whatever the paths.
  assert.match(run.stdout, /^ *short1-bal /m);
  assert.match(run.stdout, /^ *short2-bal /m);
  assert.ok(!run.stdout.includes(TRACE_DIR), 'no full paths in the table');
  assert.match(run.stdout, /total \/ mean/);
});

test('a malformed trace: exit 2, one line naming file and line, nothing on stdout', () => {
  const bad = scratchFile('bad-op.rep', '100\n2\n3\n1\na 0 8\na 3\nf 0\n');
  const run = heapflow(['replay', '--json', bad]);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assertOneLineError(run.stderr, new RegExp(`^heapflow: ${escape(bad)}:6: expected 'a <id> <size>', got 'a 3'$`));
});

test('a trace that frees a dead id: exit 2 with its line', () => {
  const dead = scratchFile('dead.rep', '100\n2\n3\n1\na 0 8\nf 0\nf 0\n');
  const run = heapflow(['replay', dead]);
  assert.equal(run.status, 2);
  assertOneLineError(run.stderr, new RegExp(`^heapflow: ${escape(dead)}:7: 'f 0' on id 0, which is not live`));
});

test('a truncated trace among good ones: exit 2 before anything is replayed', () => {
  const truncated = scratchFile('truncated.rep', '100\n2\n5\n1\na 0 8\nf 0\n');
  const run = heapflow(['replay', '--json', SHORT1, truncated]);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assertOneLineError(run.stderr, /truncated\.rep:7: header says 5 ops but the file has 2$/);
});

test('a missing file: exit 2, one line naming it', () => {
  const run = heapflow(['replay', 'no/such/trace.rep']);
  assert.equal(run.status, 2);
  assertOneLineError(run.stderr, /^heapflow: no\/such\/trace\.rep: cannot read trace: no such file$/);
});

test('an allocation the heap cannot satisfy fails the check: exit 1, naming the line', () => {
  const huge = scratchFile('huge.rep', '0\n1\n2\n1\na 0 3221225472\nf 0\n');
  const run = heapflow(['replay', '--json', '--samples', '1', huge]);
  assert.equal(run.status, 1, run.stderr);
  const result = JSON.parse(run.stdout) as { errors: number; errorMessages: string[] };
  assert.ok(result.errors >= 1);
  assert.match(result.errorMessages[0] ?? '', /huge\.rep:5: a 0 3221225472: /);
  assert.match(run.stderr, /huge\.rep:5/);
});

test('bad usage exits 2 with one line naming the problem and a help hint, not the whole usage', () => {
  for (const [args, problem, hint] of [
    [['replay', '--bogus', SHORT1], /unknown option '--bogus'/, 'heapflow replay --help'],
    [['replay', SHORT1, '--bogus'], /unknown option '--bogus'/, 'heapflow replay --help'],
    [['replay', '--jsno', SHORT1], /unknown option '--jsno' \(Did you mean --json\?\)/, 'heapflow replay --help'],
    [['replay'], /missing required argument 'files'/, 'heapflow replay --help'],
    [['replay', '--backing', 'mmap', SHORT1], /argument 'mmap' is invalid\. Expected one of arraybuffer, resizable, shared, wasm/, 'heapflow replay --help'],
    [['replay', '--samples', 'zero', SHORT1], /argument 'zero' is invalid/, 'heapflow replay --help'],
    [['demo', '--samples', '0'], /argument '0' is invalid/, 'heapflow demo --help'],
    [['demo', 'extra.rep'], /too many arguments for 'demo'/, 'heapflow demo --help'],
    [['frobnicate'], /unknown command 'frobnicate'/, 'heapflow --help'],
  ] as const) {
    const run = heapflow([...args]);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    assertOneLineError(run.stderr, /^heapflow: /);
    assert.match(run.stderr, problem);
    assert.ok(run.stderr.includes(`see '${hint}'`), run.stderr);
    assert.doesNotMatch(run.stderr, /Usage:/, 'not the whole usage');
  }
});

test('no command at all: exit 2, says so and lists the commands on stderr', () => {
  const run = heapflow([]);
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^heapflow: missing command\n/);
  assert.match(run.stderr, /Usage: heapflow/);
  assert.match(run.stderr, /replay .*<files\.\.\.>/);
});

test('help, --help and -h print the usage on stdout, exit 0; each command has its own help', () => {
  for (const flag of ['help', '--help', '-h']) {
    const run = heapflow([flag]);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /Usage: heapflow \[options\] \[command\]/);
    assert.match(run.stdout, /^ {2}replay /m);
    assert.match(run.stdout, /^ {2}demo /m);
  }
  for (const args of [['help', 'replay'], ['replay', '--help']]) {
    const run = heapflow(args);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: heapflow replay \[options\] <files\.\.\.>/);
    for (const option of ['--json', '--backing <kind>', '--no-verify', '--samples <n>', '--debug']) assert.ok(run.stdout.includes(option), option);
  }
  const demo = heapflow(['demo', '--help']);
  assert.equal(demo.status, 0);
  assert.match(demo.stdout, /Usage: heapflow demo \[options\]/);
  assert.match(demo.stdout, /--samples <n>/);
});

test('--version and -V print the package version, exit 0', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const run = heapflow([flag]);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, `${version}\n`);
  }
});

test('replay --json says whether debug mode was on', () => {
  const plain = JSON.parse(heapflow(['replay', '--json', '--samples', '1', SHORT1]).stdout) as { debug: unknown };
  assert.equal(plain.debug, false);
  const debug = JSON.parse(heapflow(['replay', SHORT1, '--samples', '1', '--json', '--debug']).stdout) as { debug: unknown };
  assert.equal(debug.debug, true);
});

test('two traces with the same base name keep their paths in the table', () => {
  const other = scratchFile('short1-bal.rep', '0\n1\n2\n1\na 0 8\nf 0\n');
  const run = heapflow(['replay', '--samples', '1', SHORT1, other]);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stdout.includes(other));
  assert.ok(run.stdout.includes(SHORT1));
});

test('demo replays every bundled trace from any directory and explains the flow', () => {
  const run = demo();
  assert.equal(run.status, 0, run.stderr);
  for (const name of readdirSync(TRACE_DIR).filter((file) => file.endsWith('.rep'))) {
    assert.ok(run.stdout.includes(name.replace(/\.rep$/, '')), name);
  }
  assert.match(run.stdout, /total \/ mean/);
  const prose = run.stdout.replace(/\s+/g, ' ');
  assert.match(prose, /\d+% of mallocs reused a freed block/);
  assert.match(prose, /grew \S+ (times|once) and shrank \S+ (times|once)/);
  assert.match(prose, /external fragmentation/);
  assert.match(prose, /mean utilization .* was \d+(\.\d)?%/);
  assert.match(prose, /no errors/);
  const report = /opens offline in a browser:\n {2}(\S+\.html)\n$/.exec(run.stdout)?.[1];
  assert.ok(report !== undefined && existsSync(report) && report.includes(basename(SCRATCH)), `the demo ends with the path of its report: ${run.stdout.slice(-200)}`);
});

test('demo first walks through every step of the flow, then gives a legend for every column', () => {
  const run = demo();
  assert.equal(run.status, 0, run.stderr);
  const tableAt = run.stdout.search(/^trace +ops/m);
  assert.ok(tableAt > 0, 'a table');
  const walk = run.stdout.slice(0, tableAt);
  // Every step, in the order the flow takes them, each as an event line of the walk.
  let at = 0;
  for (const step of ['request', 'bin', 'grow', 'split', 'page run', 'unmap', 'free', 'coalesce', 'trim']) {
    const found = walk.slice(at).search(new RegExp(`^ {6}${step} +\\S`, 'm'));
    assert.ok(found >= 0, `the walk shows '${step}' (after the previous step)`);
    if (step !== 'free') at += found;
  }
  assert.match(walk, /bin +.*: a free block fits/, 'a bin hit');
  const header = run.stdout.slice(tableAt).split('\n')[0] ?? '';
  const titles = header.trim().split(/ {2,}/);
  assert.ok(titles.length >= 10, header);
  const legend = run.stdout.slice(run.stdout.indexOf('Columns:'));
  for (const title of titles) assert.match(legend, new RegExp(`^ {2}${escape(title)} +\\S`, 'm'), `legend for '${title}'`);
});

test('demo ends with the path of the HTML report of the traces it replayed', () => {
  const run = demo();
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trimEnd().split('\n').at(-1), DEMO_REPORT);
  const html = readFileSync(DEMO_REPORT, 'utf8');
  assert.match(html, /^<!doctype html>/i);
  for (const name of readdirSync(TRACE_DIR).filter((file) => file.endsWith('.rep'))) assert.ok(html.includes(name), name);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('replay --allocator all: one JSON line per trace per policy, with the allocator and the work figures', () => {
  const run = heapflow(['replay', SHORT1, SHORT2, '--json', '--samples', '1', '--allocator', 'all']);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const general = generalAllocatorNames();
  for (const trace of [SHORT1, SHORT2]) {
    const own = lines.filter((l) => l.trace === trace);
    for (const allocator of general) {
      const line = own.find((l) => l.allocator === allocator);
      assert.ok(line, `${trace}: no line for ${allocator}`);
      assert.equal(line.errors, 0, `${trace} ${allocator}: ${JSON.stringify(line.errorMessages)}`);
      assert.ok(typeof line.workMax === 'number' && typeof line.workP999 === 'number' && line.workMax >= line.workP999);
    }
  }
});

test('replay --allocator a,b prints one comparison table per trace with a row per policy', () => {
  const names = generalAllocatorNames();
  const run = heapflow(['replay', SHORT1, '--samples', '1', '--allocator', names.join(',')]);
  assert.equal(run.status, 0, run.stderr);
  if (names.length > 1) {
    assert.match(run.stdout, /^short1-bal\n/m, 'the table is titled with the trace\'s base name');
    for (const name of names) assert.match(run.stdout, new RegExp(`^${name}\\s`, 'm'), `a row for ${name}`);
    assert.match(run.stdout, /work max/);
  }
});

test('replay --allocator with an unknown name: one line naming the known ones, exit 2', () => {
  const run = heapflow(['replay', SHORT1, '--allocator', 'segfit,nope']);
  assert.equal(run.status, 2);
  assertOneLineError(run.stderr, /--allocator.*unknown: nope/);
});

test('trace labels: base name without .rep or .rep.gz, full path only on a clash', async () => {
  const { traceLabels } = await import('../src/cli/trace-labels.js');
  const label = traceLabels(['a/find.rep.gz', 'b/short1-bal.rep', 'c/x.rep', 'd/x.rep', '.hidden']);
  assert.equal(label('a/find.rep.gz'), 'find');
  assert.equal(label('b/short1-bal.rep'), 'short1-bal');
  assert.equal(label('c/x.rep'), 'c/x.rep');
  assert.equal(label('.hidden'), '.hidden');
});

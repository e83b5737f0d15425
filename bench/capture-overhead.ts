/**
 * `npm run bench:capture` — the cost of `heapflow capture`: each program runs natively and
 * under the recorder, alternating, ROUNDS times; prints the median wall times, the slowdown
 * (captured / native, the same spawn path for both), the ops recorded, the post-processing
 * time, and the .hft.gz size per million ops. A script, not a test.
 *
 *   npm run bench:capture [-- --rounds N]
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { interposeLibrary } from '../src/capture/build-library.js';
import { runCapture } from '../src/capture/run-capture.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SOURCE = join(REPO, 'src', 'capture', 'interpose.c');
const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'heapflow-bench-capture-'));
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface Program { name: string; command: string[]; env?: NodeJS.ProcessEnv }
const programs: Program[] = [];
if (has('cc')) {
  spawnSync('cc', ['-O2', '-g', '-pthread', join(REPO, 'test/fixtures/capture/threads.c'), '-o', join(dir, 'threads')]);
  programs.push({ name: 'threads.c (4 threads + fork)', command: [join(dir, 'threads')] });
}
if (has(python)) {
  programs.push({ name: 'python3 dict of lists', env: { PYTHONMALLOC: 'malloc' },
    command: [python, '-c', 'd = {str(i): [i] * 3 for i in range(200000)}\nprint(sum(map(len, d.values())))'] });
}
if (has('sqlite3')) {
  programs.push({ name: 'sqlite3 insert 50k rows', command: ['sqlite3', ':memory:',
    'create table t(k integer primary key, v text); with recursive n(i) as (select 1 union all select i + 1 from n where i < 50000) ' +
    'insert into t select i, printf(\'row %d\', i) from n; create index tv on t(v); select count(*) from t;'] });
}
if (has('gcc')) {
  writeFileSync(join(dir, 'small.c'), '#include <stdio.h>\nint main(void) { for (int i = 0; i < 3; i++) printf("%d\\n", i); return 0; }\n');
  programs.push({ name: 'gcc -O2 -c small.c', command: ['gcc', '-O2', '-c', join(dir, 'small.c'), '-o', join(dir, 'small.o')] });
}

function nativeMs(program: Program): number {
  const started = process.hrtime.bigint();
  const [command, ...args] = program.command as [string, ...string[]];
  spawnSync(command, args, { env: { ...process.env, ...program.env }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interposeLibrary(SOURCE); // build once, outside the timings
const rows: string[] = [];
for (const program of programs) {
  const native: number[] = [];
  const captured: number[] = [];
  const post: number[] = [];
  let ops = 0;
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    native.push(nativeMs(program));
    const output = join(dir, `${round}.hft.gz`);
    const started = process.hrtime.bigint();
    const [command, ...args] = program.command as [string, ...string[]];
    const silence = { ...process.env, ...program.env };
    const outcome = await runCapture({ command, args, output, sourcePath: SOURCE, env: silence });
    const total = Number(process.hrtime.bigint() - started) / 1e6;
    captured.push(outcome.elapsedMs);
    post.push(total - outcome.elapsedMs);
    ops = outcome.images.reduce((sum, image) => sum + image.trace.length, 0);
    bytes = outcome.images.reduce((sum, image) => sum + statSync(image.path).size, 0);
  }
  const n = median(native);
  const c = median(captured);
  rows.push(`| ${program.name} | ${n.toFixed(0)} | ${c.toFixed(0)} | ${(c / n).toFixed(2)}x | ${ops.toLocaleString('en-US')} | ` +
    `${median(post).toFixed(0)} | ${(bytes / (ops / 1e6) / 2 ** 20).toFixed(2)} |`);
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`capture overhead, median of ${ROUNDS} alternating rounds (wall ms; the program's stdout goes to this terminal)\n\n` +
  '| program | native ms | captured ms | slowdown | ops recorded | post-processing ms | .hft.gz MiB per million ops |\n' +
  '|---|---|---|---|---|---|---|\n' + `${rows.join('\n')}\n`);

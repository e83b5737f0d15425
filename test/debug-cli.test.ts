/** `heapflow replay --debug`: the traces run clean under debug mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('heapflow replay --debug runs malloc-lab traces under debug mode, verified, with no error', () => {
  const traces = ['short1-bal.rep', 'realloc-bal.rep', 'coalescing-bal.rep'].map((n) => join(ROOT, 'traces', 'malloclab', n));
  const run = spawnSync(process.execPath, [CLI, 'replay', '--debug', '--json', '--samples', '1', ...traces], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.stderr, '');
  assert.equal(run.status, 0);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { errors: number; verified: boolean });
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.equal(line.errors, 0);
    assert.equal(line.verified, true);
  }
});

test('heapflow help replay mentions --debug', () => {
  const run = spawnSync(process.execPath, [CLI, 'help', 'replay'], { cwd: ROOT, encoding: 'utf8' });
  assert.match(run.stdout, /--debug/);
});

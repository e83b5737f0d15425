/** Every runnable example in examples/ runs, imports 'heapflow' (never ../src or dist), and is shipped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { codeBlocks } from './support/markdown.js';
import { packedFiles, ROOT } from './support/package-files.js';

const EXAMPLES = join(ROOT, 'examples');

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(EXAMPLES, file)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(m?js|ts|html)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

test('the README example is examples/readme.mjs, and it runs', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = codeBlocks(readme).find((b) => b.lang === 'ts' && /^## Example\s*$/m.test(b.before));
  assert.ok(example, 'README has a ts block under "## Example"');
  const file = readFileSync(join(EXAMPLES, 'readme.mjs'), 'utf8');
  assert.ok(file.endsWith(example.code), 'examples/readme.mjs ends with the README example, as it is there');
  const out = run('readme.mjs');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^0 \d+\n$/);
});

test('events.mjs walks through every step of the flow', () => {
  const out = run('events.mjs');
  assert.equal(out.status, 0, out.stderr);
  const seen = /steps seen: (.*)/.exec(out.stdout)?.[1]?.split(', ') ?? [];
  for (const step of ['malloc', 'bin', 'split', 'grow', 'map', 'unmap', 'free', 'coalesce', 'trim', 'done']) assert.ok(seen.includes(step), step);
});

test('attach.mjs: a second Heap sees and grows the same memory; empty memory is BAD_HEAP_MEMORY', () => {
  const out = run('attach.mjs');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /through the second Heap: 0xc0ffee/);
  assert.match(out.stdout, /attach to empty memory: BAD_HEAP_MEMORY/);
});

test('wasm-base.mjs: a heap above base in a WebAssembly.Memory, attached again with the same base', () => {
  const out = run('wasm-base.mjs');
  assert.equal(out.status, 0, out.stderr);
  const first = Number(/first block at (\d+)/.exec(out.stdout)?.[1]);
  assert.ok(first > 1 << 20, `${first} lies above base`);
  assert.match(out.stdout, /attached at base 1048576: 2 live blocks, the first says "hello"/);
});

test('debug.mjs prints a heap-buffer-overflow report', () => {
  const out = run('debug.mjs');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /SUMMARY: heapflow: heap-buffer-overflow at \d+, 0 bytes after the 5-byte block/);
  assert.match(out.stdout, /code: HEAP_DEBUG/);
});

test('workers/main.mjs: two workers share one heap, the main thread frees their blocks', () => {
  const out = run('workers/main.mjs');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /worker a: \d+ vectors received/);
  assert.match(out.stdout, /live blocks 0,/);
});

test('every example imports heapflow by its name, and every one is in the package', () => {
  const files = packedFiles();
  const sources = sourceFiles(EXAMPLES);
  for (const name of ['examples/readme.mjs', 'examples/events.mjs', 'examples/attach.mjs', 'examples/wasm-base.mjs',
    'examples/debug.mjs', 'examples/workers/main.mjs', 'examples/workers/worker.mjs', 'examples/browser/index.html',
    'examples/browser/main.js']) {
    assert.ok(sources.includes(name), `${name} exists`);
  }
  for (const source of sources) {
    const text = readFileSync(join(ROOT, source), 'utf8');
    assert.doesNotMatch(text, /from '(\.\.\/)+(src|dist)\//, `${source} imports heapflow's files by path`);
    assert.ok(files.has(source), `${source} is shipped`);
  }
});

test('debug-pitfalls.ts (compiled to .build/examples/) reports each of the seven pitfalls', () => {
  const result = spawnSync(process.execPath, [join(ROOT, '.build', 'examples', 'debug-pitfalls.js')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /no report/);
  for (const kind of ['heap-buffer-overflow', 'heap-buffer-underflow', 'heap-use-after-free', 'double-free', 'bad-free',
    'use-of-uninitialized-value']) {
    assert.match(result.stdout, new RegExp(`SUMMARY: heapflow: ${kind} at \\d+`), kind);
  }
  assert.match(result.stdout, /SUMMARY: heapflow: 100 bytes leaked in 1 allocation/);
});

/** The README's virtual-allocator example is examples/virtual.ts (type-checked by build:test), and it runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocks } from './support/markdown.js';
import { ROOT } from './support/package-files.js';

test('the README\'s virtual-allocator example is examples/virtual.ts, and it runs', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = codeBlocks(readme).find((b) => b.lang === 'ts' && /^### Sub-allocating memory heapflow does not own/m.test(b.before));
  assert.ok(block, 'README has a ts block under "### Sub-allocating memory heapflow does not own"');
  const source = readFileSync(join(ROOT, 'examples/virtual.ts'), 'utf8');
  assert.ok(source.endsWith(block.code), 'examples/virtual.ts ends with the README block, as it is there');
  const run = spawnSync(process.execPath, [join(ROOT, '.build/examples/virtual.js')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '0 4096 100 2\n');
});

/** `npm run docs:api`: TypeDoc builds the API reference from the types with no warning, a page per export. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as full from 'heapflow';
import * as core from 'heapflow/core';
import { ROOT } from './support/package-files.js';

test('TypeDoc documents every runtime export of both entries, warnings treated as errors', { timeout: 180_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'heapflow-api-'));
  try {
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const pages = ['classes', 'functions', 'variables'].flatMap((dir) => readdirSync(join(out, dir)));
    for (const name of Object.keys(full)) assert.ok(pages.includes(`index.${name}.html`), `index.${name}.html`);
    // The core entry re-exports the same symbols: TypeDoc links them to their page under index, except its own createHeap.
    for (const name of Object.keys(core)) assert.ok(pages.includes(`core.${name}.html`) || pages.includes(`index.${name}.html`), name);
    assert.ok(pages.includes('core.createHeap.html'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

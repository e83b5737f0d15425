/** Every ```ts block of the README and docs/*.md compiles with tsc, as written, in an ESM TypeScript app. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/package-files.js';
import { writeSnippetProject } from './support/snippets.js';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

test('the TypeScript snippets of README.md and docs/*.md compile (strict, NodeNext, heapflow from the build)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-snippets-'));
  try {
    const snippets = writeSnippetProject(dir, ROOT, DOCS);
    assert.ok(snippets.length >= 15, `${snippets.length} snippets found`);
    for (const doc of ['README.md', 'docs/threads.md', 'docs/debugging.md']) assert.ok(snippets.some((s) => s.origin.startsWith(`${doc}:`)), doc);
    const run = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    // Each error named by the doc and line it comes from: "docs/threads.md:30: error TS2339: ...".
    const errors = run.stdout.split('\n').filter((line) => line.includes('error TS')).map((line) => {
      const m = /^(snippets\/[^(]+)\((\d+),\d+\): (.*)$/.exec(line);
      const snippet = m ? snippets.find((s) => s.file === m[1]) : undefined;
      return snippet && m ? `${snippet.origin.replace(/:\d+$/, '')}:${Number(snippet.origin.split(':')[1]) + Number(m[2]) - 1 - snippet.offset}: ${m[3]}` : line;
    });
    assert.deepEqual(errors, []);
    assert.equal(run.status, 0, run.stdout + run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The core entry point must run in browsers and workers: walking its static
 * import graph must reach no `node:` module and no package, only relative files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importGraph(entry: string): { files: Set<string>; external: string[] } {
  const files = new Set<string>();
  const external: string[] = [];
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else external.push(`${file.slice(file.indexOf('src/'))} imports ${spec}`);
    }
  };
  visit(entry);
  return { files, external };
}

test('the core entry imports only its own files (no node: module, no package)', () => {
  const entry = resolve(here, '../src/index.js');
  const { files, external } = importGraph(entry);
  assert.ok(files.size > 5, `walked ${files.size} files from ${entry}`);
  assert.deepEqual(external, []);
  for (const f of files) assert.ok(!f.includes('/cli/') && !f.includes('/trace/read-rep'), `${f} is a tool, not core`);
});

test('the core entry (heapflow/core) imports no package, no node: module and nothing of debug mode', () => {
  const { files, external } = importGraph(resolve(here, '../src/core.js'));
  assert.deepEqual(external, []);
  assert.deepEqual([...files].filter((f) => f.includes('/debug/')), []);
  assert.ok([...importGraph(resolve(here, '../src/index.js')).files].some((f) => f.includes('/debug/')), 'the main entry does reach debug mode');
});

test('the import scanner does see node: imports (it can fail)', () => {
  const { external } = importGraph(resolve(here, '../src/cli/main.js'));
  assert.ok(external.some((e) => e.includes('node:')), 'the CLI imports node: modules, and the scanner must notice');
});

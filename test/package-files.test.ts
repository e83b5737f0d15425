/** What the package ships: license, maps that resolve, Markdown links that resolve inside the tarball. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path/posix';
import { headingAnchors, packedFiles, relativeLinks, ROOT } from './support/package-files.js';

const files = packedFiles();

test('the tarball has the license, the changelog, the built entries and their types', () => {
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts',
    'dist/core.js', 'dist/core.d.ts', 'dist/cli/main.js']) {
    assert.ok(files.has(file), file);
  }
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} heapflow developers\n/);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; scripts: Record<string, string> };
  assert.equal(manifest.license, 'MIT');
  assert.match(manifest.scripts.prepack ?? '', /npm run build/, 'npm pack builds dist/ itself');
  // The demo's traces are shipped; the real-program traces (megabytes) stay in the repository.
  assert.ok([...files].some((f) => f.startsWith('traces/malloclab/') && f.endsWith('.rep')));
  assert.deepEqual([...files].filter((f) => f.startsWith('traces/real/') && f.endsWith('.gz')), []);
});

test('every source map and declaration map in the tarball points at files in the tarball', () => {
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.some((f) => f.endsWith('.js.map')) && maps.some((f) => f.endsWith('.d.ts.map')), 'both kinds are shipped');
  const missing: string[] = [];
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const target = normalize(join(dirname(map), source));
      if (!files.has(target)) missing.push(`${map} -> ${target}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every relative link in the shipped Markdown resolves inside the tarball (and its #anchor exists)', () => {
  const markdown = [...files].filter((f) => f.endsWith('.md'));
  for (const doc of ['README.md', 'docs/architecture.md', 'docs/debugging.md', 'docs/threads.md']) assert.ok(markdown.includes(doc), doc);
  const broken: string[] = [];
  for (const file of markdown) {
    for (const link of relativeLinks(file)) {
      const [path = '', anchor] = link.target.split('#');
      const target = normalize(join(dirname(file), decodeURIComponent(path)));
      const isFile = files.has(target);
      const isFolder = [...files].some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`));
      if (!isFile && !isFolder) broken.push(`${file}:${link.line}: ${link.target} (${target} is not in the package)`);
      else if (anchor !== undefined && isFile && target.endsWith('.md') && !headingAnchors(readFileSync(join(ROOT, target), 'utf8')).has(anchor)) {
        broken.push(`${file}:${link.line}: ${link.target} (no heading #${anchor})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('the link checker sees a broken link (it can fail)', () => {
  assert.ok(relativeLinks('README.md').length > 5);
  assert.ok(headingAnchors('# Pointer validation (always on)\n').has('pointer-validation-always-on'));
});

test('.gitignore ignores no tracked file', (t) => {
  const run = spawnSync('git', ['ls-files', '--cached', '--ignored', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    t.diagnostic('not a git checkout: nothing to compare');
    return;
  }
  assert.equal(run.stdout, '', 'tracked files that .gitignore lists');
});

test('npm test runs the test files only: helpers live in test/support/, the script names *.test.js', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(manifest.scripts.test ?? '', / \.build\/test\/\*\.test\.js$/);
  const loose = readdirSync(join(ROOT, 'test'), { withFileTypes: true }).filter((e) => e.isFile() && !e.name.endsWith('.test.ts'));
  assert.deepEqual(loose.map((e) => e.name), [], 'files in test/ that are not tests');
});

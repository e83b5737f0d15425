/**
 * The package as a user gets it: a copy of the repository without dist/ is packed (npm pack runs
 * prepack, which builds), the tarball is installed into a scratch app, and the README example,
 * the core entry, a shipped example and the heapflow command run there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { codeBlocks } from './support/markdown.js';
import { ROOT } from './support/package-files.js';

/** Never copied into the clean checkout: what a fresh clone does not have. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.build', '.git', 'bench/out']);
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

function sh(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test('npm pack from a clean checkout, npm install of the tarball, and the README example in that app', { timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'heapflow-pack-'));
  try {
    // 1. A checkout without dist/: prepack must build it.
    const checkout = join(scratch, 'checkout');
    cpSync(ROOT, checkout, { recursive: true, filter: (src) => !NOT_IN_A_CLONE.has(relative(ROOT, src)) });
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    const packed = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', scratch, '--loglevel=error'], checkout)) as [{ filename: string; files: { path: string }[] }];
    const files = new Set(packed[0].files.map((f) => f.path));
    for (const file of ['dist/index.js', 'dist/core.js', 'dist/cli/main.js', 'LICENSE', 'examples/readme.mjs']) assert.ok(files.has(file), file);
    const tarball = join(scratch, basename(packed[0].filename));

    // 2. A scratch app installs it (dependencies from the npm cache when offline).
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    sh('npm', ['install', ...NPM_QUIET, '--prefer-offline', tarball], app);

    // 3. The README example, as written there.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = codeBlocks(readme).find((b) => b.lang === 'ts' && /^## Example\s*$/m.test(b.before));
    assert.ok(example);
    writeFileSync(join(app, 'example.mjs'), example.code);
    assert.match(sh(process.execPath, ['example.mjs'], app), /^0 \d+\n$/);

    // 4. The core entry, a shipped example, the command.
    writeFileSync(join(app, 'core.mjs'), "import { createHeap } from 'heapflow/core';\nconst h = createHeap();\nh.free(h.malloc(8));\nh.check();\nconsole.log('core ok');\n");
    assert.equal(sh(process.execPath, ['core.mjs'], app), 'core ok\n');
    assert.match(sh(process.execPath, [join('node_modules', 'heapflow', 'examples', 'events.mjs')], app), /steps seen: .*coalesce/);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(sh('npx', ['heapflow', '--version'], app), `${version}\n`);
    assert.match(sh('npx', ['heapflow', 'replay', '--samples', '1', join('node_modules', 'heapflow', 'traces', 'malloclab', 'short1-bal.rep')], app), /short1-bal/);

    // 5. ESM only: require() works where Node can require ES modules, else fails with ERR_REQUIRE_ESM (README says so).
    writeFileSync(join(app, 'require.cjs'), "try { console.log(typeof require('heapflow').createHeap); } catch (e) { console.log(e.code); }\n");
    assert.match(sh(process.execPath, ['require.cjs'], app), /^(function|ERR_REQUIRE_ESM)\n$/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('the installed package pulls only the CLI\'s dependencies (the core imports none)', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}).sort(), ['cli-progress', 'commander']);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  assert.ok(/the CLI uses `commander` and `cli-progress`/.test(readme), 'the README says which dependencies are the CLI\'s');
  assert.ok(!/has no dependencies/.test(readme), 'the README does not say the package has no dependencies');
});

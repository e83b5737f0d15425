/**
 * Debug reports keep the program's frames once the app is bundled (issue #16): heapflow's own
 * frames are found by function identity, not by file, so an app bundled with heapflow into
 * one file by esbuild still gets stacks that name its functions, in Node and in Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { CHROMIUM, withChromiumPage } from './support/browser.js';

/** The compiled library, as the app imports it (esbuild inlines it into the bundle). */
const LIBRARY = fileURLToPath(new URL('../src/index.js', import.meta.url));

/**
 * The app: allocates a block in one function, writes one byte past its end through the checked
 * accessor in another, and hands back the report (`report(result)`: printed in Node, kept on
 * window in Chromium).
 */
const APP = `
import { createHeap, HeapDebugError } from ${JSON.stringify(LIBRARY)};
const heap = createHeap({ debug: { leaksAtExit: false, stackDepth: 6 } });
function appAllocatesABlock() { return heap.malloc(16); }
function appWritesPastTheEnd(p) { heap.checked().setUint8(p + 16, 1); }
const p = appAllocatesABlock();
let result = { kind: 'none', stack: '', allocStack: '', text: '' };
try { appWritesPastTheEnd(p); } catch (e) {
  if (!(e instanceof HeapDebugError)) throw e;
  result = { kind: e.report.kind, stack: e.report.stack, allocStack: e.report.allocStack ?? '', text: String(e.report) };
}
report(result);
`;

interface AppResult { kind: string; stack: string; allocStack: string; text: string }

async function bundle(platform: 'node' | 'browser', reporter: string, extra: BuildOptions = {}): Promise<string> {
  const out = await build({
    stdin: { contents: `const report = ${reporter};\n${APP}`, resolveDir: process.cwd(), sourcefile: 'app.js' },
    bundle: true, write: false, format: 'esm', platform, logLevel: 'silent', ...extra,
  });
  const file = out.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild wrote no ${platform} bundle`);
  return file.text;
}

function assertStacksNameTheApp(r: AppResult, where: string): void {
  assert.equal(r.kind, 'heap-buffer-overflow', `${where}: ${r.text}`);
  assert.doesNotMatch(r.text, /stacks are off/, `${where}: ${r.text}`);
  const first = (s: string): string => s.split('\n')[0] ?? '';
  assert.match(first(r.stack), /\bappWritesPastTheEnd\b/, `${where}: the access stack starts at the app's call\n${r.text}`);
  assert.match(first(r.allocStack), /\bappAllocatesABlock\b/, `${where}: the allocation stack starts at the app's call\n${r.text}`);
  for (const own of ['allocate', 'captureStack', 'DebugHeap', 'CheckedMemory', 'access']) {
    assert.doesNotMatch(r.stack + r.allocStack, new RegExp(`at [\\w.]*\\b${own}\\b`), `${where}: heapflow's frame ${own} left in\n${r.text}`);
  }
}

/** Bundles the app for Node, runs it (with `nodeArgs`) and returns what it reported. */
async function runNodeBundle(extra: BuildOptions, nodeArgs: string[] = []): Promise<AppResult> {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-bundle-'));
  try {
    const file = join(dir, 'app.mjs');
    writeFileSync(file, await bundle('node', '(r) => console.log(JSON.stringify(r))', extra));
    const run = spawnSync(process.execPath, [...nodeArgs, file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as AppResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [name, extra] of [
  ['esbuild bundle', {}],
  ['esbuild bundle, whitespace and syntax minified', { minifyWhitespace: true, minifySyntax: true }],
] as const) {
  test(`Node, ${name}: the report's stacks name the app's functions`, async () => {
    assertStacksNameTheApp(await runNodeBundle(extra), name);
  });
}

test('an engine without Error.captureStackTrace: heapflow\'s frames are cut by the entry point\'s name', async () => {
  const result = await runNodeBundle({}, ['--import', 'data:text/javascript,delete Error.captureStackTrace']);
  assertStacksNameTheApp(result, 'no captureStackTrace');
});

test('Chromium, esbuild bundle in a page: the report\'s stacks name the page\'s functions', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM}` }, async () => {
  const code = await bundle('browser', '(r) => { window.appResult = r; }');
  const result = await withChromiumPage(async (page) => {
    await page.setContent('<!doctype html><title>bundled heapflow</title>');
    await page.addScriptTag({ content: code, type: 'module' });
    await page.waitForFunction(() => (window as unknown as { appResult?: unknown }).appResult !== undefined);
    return page.evaluate(() => (window as unknown as { appResult: AppResult }).appResult);
  });
  assertStacksNameTheApp(result, 'Chromium');
});

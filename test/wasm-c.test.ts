/**
 * examples/wasm-c: the C program built with clang for wasm32, heapflow as its malloc, its
 * output checked; its recorded allocations replayed in the report (Debian's Chromium) give
 * the very heap the program has (and the picture examples/wasm-c/README.md shows,
 * docs/images/wasm-c-report.png).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BlockInfo } from '../src/index.js';
import { callSiteLists } from '../src/trace/call-sites.js';
import { parseHft } from '../src/trace/hft.js';
import { collectErrors, launchChromium } from './support/browser.js';
import { ROOT } from './support/package-files.js';

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const SKIP = has('clang') && has('wasm-ld') ? false : 'needs clang and wasm-ld (apt-get install clang lld)';

interface Recorder { ops: number; liveBlocks: number; text(): string }

interface Loaded {
  exports: { run(count: number, seed: number, top: number): number; report_length(): number; word_table(): number; finish(): void };
  heap: { u8: Uint8Array; u32: Uint32Array; stats(): { liveBlocks: number }; check(): void; usableSize(p: number): number; blocks(): BlockInfo[] };
  base: number;
  recorder: Recorder | null;
}

type LoadProgram = (path: string, options?: { record?: boolean }) => Loaded;

async function example<T>(file: string): Promise<T> {
  return await import(pathToFileURL(join(ROOT, 'examples/wasm-c', file)).href) as T;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'po', 'da', 'fi', 'gu', 'he', 'jo', 'xu'];

/** What program.c must report, computed independently: the same LCG, a Map, a sort. */
function expectedReport(count: number, seed: number, top: number): string {
  let state = seed >>> 0;
  const next = (): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 16; };
  const counts = new Map<string, number>();
  for (let w = 0; w < count; w++) {
    const syllables = 1 + (next() % 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += SYLLABLES[next() % 16];
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return `distinct ${counts.size} total ${count} top:${sorted.slice(0, top).map(([w, c]) => ` ${w}=${c}`).join('')}`;
}

test('the C word counter in Wasm, malloc served by heapflow: right output, table readable from JS, heap checks', { skip: SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-wasm-c-'));
  const { buildProgram } = await example<{ buildProgram(out: string): string }>('build.mjs');
  const { loadProgram } = await example<{ loadProgram: LoadProgram }>('load.mjs');
  const wasm = buildProgram(join(dir, 'program.wasm'));
  for (const [count, seed, top] of [[20_000, 7, 5], [3_000, 12345, 20], [1, 1, 3], [0, 9, 3]] as const) {
    const { exports, heap, base } = loadProgram(wasm);
    const at = exports.run(count, seed, top) >>> 0;
    assert.ok(at >= base, 'the report lies in the heap, above the module data');
    const report = new TextDecoder().decode(heap.u8.subarray(at, at + exports.report_length()));
    assert.equal(report, expectedReport(count, seed, top));

    const table = exports.word_table() >>> 0;
    const u32 = heap.u32;
    const [buckets, size, total, slots] = [...u32.subarray(table >>> 2, (table >>> 2) + 4)] as [number, number, number, number];
    let entries = 0;
    let words = 0;
    for (let b = 0; b < buckets; b++) {
      for (let e = u32[(slots >>> 2) + b] as number; e !== 0; e = u32[e >>> 2] as number) {
        entries++;
        words += u32[(e >>> 2) + 1] as number;
        assert.ok(heap.usableSize(e) >= 12 + (u32[(e >>> 2) + 2] as number), 'each entry is a heapflow block big enough');
      }
    }
    assert.deepEqual([entries, words], [size, total]);
    heap.check();
    assert.equal(heap.stats().liveBlocks, size + 3, 'entries, buckets, table and report');
    exports.finish();
    heap.check();
    assert.equal(heap.stats().liveBlocks, 0, 'finish() freed everything');
  }
});

test('the C program\'s heap in the report: its recorded calls replayed at its base give the same blocks, named by C function', { skip: SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-wasm-c-'));
  const { buildProgram } = await example<{ buildProgram(out: string): string }>('build.mjs');
  const { loadProgram } = await example<{ loadProgram: LoadProgram }>('load.mjs');
  const { writeProgramReport } = await example<{ writeProgramReport(r: Recorder, base: number, page: string): { page: string; trace: string } }>('report.mjs');
  const { exports, heap, base, recorder } = loadProgram(buildProgram(join(dir, 'program.wasm')), { record: true });
  exports.run(1500, 3, 5);
  heap.check();
  assert.ok(recorder !== null);
  assert.equal(recorder.liveBlocks, heap.stats().liveBlocks, 'the recording knows every live block');
  const { page: html, trace: hft } = writeProgramReport(recorder, base, join(dir, 'words.html'));
  const trace = parseHft(readFileSync(hft, 'utf8'), hft);
  assert.equal(trace.length, recorder.ops);
  const functions = new Set(callSiteLists(trace, 100)?.byCount.map((f) => f.callSite?.fn));
  for (const fn of ['text_reserve', 'table_new', 'table_count', 'table_grow', 'tree_insert']) assert.ok(functions.has(fn), `${fn} is a call site`);
  const expected = heap.blocks().map((b) => ({ ptr: b.ptr, state: b.state, requested: b.requested }));
  assert.ok(expected.length <= 2000, 'few enough blocks for the page to list them');

  const chromium = await launchChromium();
  try {
    const page = await chromium.context.newPage();
    const errors = collectErrors(page);
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => window.heapflowReport?.ready || window.heapflowReport?.error !== null, null, { timeout: 30_000 });
    const shown = await page.evaluate(() => ({ error: window.heapflowReport.error, blocks: window.heapflowReport.blocks, count: window.heapflowReport.blockCount, sites: window.heapflowReport.callSites }));
    assert.equal(shown.error, null);
    assert.equal(shown.count, expected.length, 'as many blocks as heap.blocks() after the run');
    assert.deepEqual(shown.blocks, expected, 'and the same blocks, at the program\'s own addresses');
    assert.ok((shown.sites?.byCount.length ?? 0) > 0, 'the page lists the C call sites');
    const caption = await page.locator('.map-box .caption').first().textContent();
    assert.match(caption ?? '', new RegExp(`^addresses 0x${base.toString(16)} \\.\\.`), 'the map starts at the heap\'s base, not at the module\'s data');
    // the picture examples/wasm-c/README.md shows: the heap map and the lists, coloured by C function
    await page.evaluate(() => window.heapflowReport.setSiteColours(true));
    const top = await page.locator('section', { hasText: 'Heap map' }).first().boundingBox();
    const sites = await page.locator('section', { hasText: 'Call sites' }).first().boundingBox();
    assert.ok(top !== null && sites !== null);
    mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs/images/wasm-c-report.png'), clip: { x: 0, y: top.y - 8, width: 1280, height: sites.y + sites.height - top.y + 16 }, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await chromium.close();
  }
  exports.finish();
  heap.check();
});

test('the benchmark\'s baseline, the program with mini-alloc.c as its malloc inside the module, gives the same output', { skip: SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-wasm-c-'));
  const { buildProgram } = await example<{ buildProgram(out: string, options?: { ownMalloc?: boolean }): string }>('build.mjs');
  const module = new WebAssembly.Module(readFileSync(buildProgram(join(dir, 'own.wasm'), { ownMalloc: true })));
  assert.deepEqual(WebAssembly.Module.imports(module).map((i) => i.name).sort(), ['fail', 'noop'], 'no allocator import');
  for (const [count, seed, top] of [[20_000, 7, 5], [3_000, 12345, 20], [0, 9, 3]] as const) {
    const { exports } = new WebAssembly.Instance(module, { env: { fail: () => { throw new Error('fail'); }, noop: () => undefined } }) as unknown as { exports: Loaded['exports'] & { memory: WebAssembly.Memory } };
    const at = exports.run(count, seed, top) >>> 0;
    assert.equal(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, at, exports.report_length())), expectedReport(count, seed, top));
  }
});

/**
 * The HTML report in a real browser (Debian's Chromium through playwright-core): it opens
 * from a file:// URL without console errors, its heap map is drawn and agrees with
 * heap.blocks() computed here in Node, step mode moves op by op both ways, side by side
 * shows every configuration, and the playground's calls change the map. Also writes the
 * screenshot the README shows (docs/images/report.png).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { DEFAULT_ALLOCATOR, type AllocatorName } from '../src/index.js';
import { loadTraces } from '../src/cli/load-traces.js';
import type { Trace } from '../src/trace/types.js';
import { writeReport } from '../src/cli/report-command.js';
import { launchChromium, type OpenBrowser } from './support/browser.js';
import { canvasPixels, heapInNode, openReport } from './support/report-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** A bundled trace that ends with blocks still live (the malloc-lab ones free everything). */
const BUNDLED = join(root, 'traces/real/objdump.rep.gz');
let chromium: OpenBrowser;
let work: string;

before(async () => {
  chromium = await launchChromium();
  work = mkdtempSync(join(tmpdir(), 'heapflow-report-test-'));
});
after(async () => {
  await chromium?.close();
  rmSync(work, { recursive: true, force: true });
});

/** What `heapflow report FILES [--allocator A,B]` writes, as a file:// URL. */
async function report(name: string, files: string[], allocator?: string): Promise<string> {
  return pathToFileURL(await writeReport(files, { output: join(work, `${name}.html`), allocator })).href;
}

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  return openReport(chromium, url);
}

const pixels = canvasPixels;

/** heap.blocks() after the first `ops` ops, replayed in Node. */
function blocksInNode(trace: Trace, allocator: AllocatorName = DEFAULT_ALLOCATOR, ops = trace.length): number {
  return heapInNode(trace, allocator, ops).blocks().length;
}

test('the report of a bundled trace opens from file:// without console errors, its map drawn and agreeing with Node', async () => {
  const { page, errors } = await open(await report('bundled', [BUNDLED]));
  const state = await page.evaluate(() => ({ op: window.heapflowReport.op, ops: window.heapflowReport.ops, blocks: window.heapflowReport.blockCount }));
  const [trace] = await loadTraces([BUNDLED]) as [Trace];
  assert.equal(state.ops, trace.length);
  assert.equal(state.op, trace.length, 'the report opens at the last op');
  assert.equal(state.blocks, blocksInNode(trace));
  assert.equal(await page.$eval('canvas.heap-map', (c) => (c as HTMLCanvasElement).dataset.blockCount), String(state.blocks));
  const map = await pixels(page, 'canvas.heap-map');
  assert.ok(map.painted > 1000, `heap map painted pixels: ${map.painted}`);
  assert.ok((await pixels(page, 'canvas.address-time')).painted > 1000, 'the address x time picture is drawn');
  assert.ok(await page.locator('.uplot').count() >= 3, 'timeline, fragmentation and histogram charts exist');
  assert.deepEqual(errors, []);
  await page.close();
});

/**
 * Ten ops whose outcome is known by hand: the freed 100-byte block is reused by the next
 * 100-byte request (its own space is the only free space of that size), the realloc to 2000 bytes keeps the data's id, and after the
 * three frees nothing is in use until the last malloc(8).
 */
const TEN_OPS = ['0', '5', '10', '1', 'a 0 40', 'a 1 100', 'a 2 16', 'f 1', 'a 3 100', 'r 0 2000', 'f 2', 'f 3', 'f 0', 'a 4 8', ''].join('\n');

test('step mode moves op by op, forward and back, and the map and step log follow', async () => {
  const file = join(work, 'ten.rep');
  writeFileSync(file, TEN_OPS);
  const { page, errors } = await open(await report('ten', [file]));
  const at = async (t: number): Promise<{ log: string[]; blocks: { ptr: number; state: string; requested: number }[]; map: number }> => {
    await page.evaluate((op) => window.heapflowReport.setCursor(op), t);
    const s = await page.evaluate(() => ({ log: window.heapflowReport.stepLog, blocks: window.heapflowReport.blocks }));
    return { ...s, map: (await pixels(page, 'canvas.heap-map')).hash };
  };
  const used = (s: { blocks: { state: string; requested: number }[] }): number[] => s.blocks.filter((b) => b.state === 'used').map((b) => b.requested).sort((a, b) => a - b);

  const three = await at(3);
  assert.deepEqual(used(three), [16, 40, 100]);
  const p1 = three.blocks.find((b) => b.requested === 100)?.ptr;
  const four = await at(4);
  assert.match(four.log[0] ?? '', /^free 0x/, 'op 3 frees');
  assert.deepEqual(used(four), [16, 40]);
  assert.notEqual(four.map, three.map, 'the map changes when a block is freed');

  await page.click('#step-forward');
  await page.waitForFunction(() => window.heapflowReport.op === 5);
  const five = await page.evaluate(() => ({ log: window.heapflowReport.stepLog, blocks: window.heapflowReport.blocks }));
  assert.deepEqual(used(five), [16, 40, 100]);
  assert.equal(five.blocks.find((b) => b.requested === 100)?.ptr, p1, 'the freed block is reused for the same size');
  assert.match(five.log[0] ?? '', /^request 100 B/);
  assert.ok(five.log.some((l) => /reused a free block/.test(l)));

  await page.click('#step-back');
  await page.waitForFunction(() => window.heapflowReport.op === 4);
  const back = await page.evaluate(() => ({ log: window.heapflowReport.stepLog, blocks: window.heapflowReport.blocks }));
  assert.deepEqual(back.log, four.log, 'stepping back shows op 3 again');
  assert.deepEqual(back.blocks, four.blocks);
  assert.equal((await pixels(page, 'canvas.heap-map')).hash, four.map, 'and the same map');

  assert.deepEqual(used(await at(9)), [], 'after the three frees nothing is in use');
  assert.deepEqual(used(await at(10)), [8]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('side by side shows two policies at the same op, each agreeing with Node', async () => {
  const { page, errors } = await open(await report('side', [BUNDLED], 'segfit,tlsf'));
  const side = await page.evaluate(() => window.heapflowReport.sideBySide);
  assert.deepEqual(side.map((s) => s.label), ['segfit', 'tlsf']);
  const [trace] = await loadTraces([BUNDLED]) as [Trace];
  assert.deepEqual(side.map((s) => s.blockCount), [blocksInNode(trace, 'segfit'), blocksInNode(trace, 'tlsf')]);
  assert.equal(await page.locator('.side-card canvas.heap-map').count(), 2);
  await page.evaluate(() => window.heapflowReport.setCursor(10));
  const early = await page.evaluate(() => window.heapflowReport.sideBySide);
  assert.deepEqual(early.map((s) => s.blockCount), [blocksInNode(trace, 'segfit', 10), blocksInNode(trace, 'tlsf', 10)], 'both follow the cursor');
  assert.deepEqual(errors, []);
  await page.close();
});

test("the playground's malloc and free change the map", async () => {
  const { page, errors } = await open(await report('playground', [BUNDLED]));
  const run = async (program: string): Promise<{ blocks: number; hash: number; error: string }> => {
    await page.fill('textarea.program', program);
    await page.click('button.pg-run');
    const blocks = await page.$eval('.playground canvas.heap-map', (c) => Number((c as HTMLCanvasElement).dataset.blockCount));
    return { blocks, hash: (await pixels(page, '.playground canvas.heap-map')).hash, error: await page.$eval('.playground .error', (e) => e.textContent ?? '') };
  };
  const one = await run('p = malloc(40)');
  const two = await run('p = malloc(40)\nq = malloc(3000)');
  const freed = await run('p = malloc(40)\nq = malloc(3000)\nfree(p)');
  assert.equal(one.error + two.error + freed.error, '');
  assert.notEqual(one.hash, two.hash, 'a malloc changes the map');
  assert.notEqual(two.hash, freed.hash, 'a free changes the map');
  const bad = await run('free(nothing)');
  assert.match(bad.error, /line 1: free: 'nothing' is not a live pointer/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a screenshot of the report for the README (docs/images/report.png)', async () => {
  const { page, errors } = await open(await report('screenshot', [join(root, 'traces/malloclab/random2-bal.rep')]));
  const ops = await page.evaluate(() => window.heapflowReport.ops);
  await page.evaluate((t) => window.heapflowReport.setCursor(t), Math.floor(ops * 0.45));
  await page.waitForTimeout(300); // the background heap walks fill the fragmentation chart
  const png = join(root, 'docs/images/report.png');
  mkdirSync(dirname(png), { recursive: true });
  await page.screenshot({ path: png, clip: { x: 0, y: 0, width: 1280, height: 1500 }, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/**
 * The policies' own structures drawn live in the report's step mode (Chromium through
 * playwright-core): on a malloc-lab trace, at several ops, the TLSF bitmap bits the page
 * draws are the bits heap.internals() gives in Node for the same trace and op; the buddy
 * orders and the pool's free list are drawn as Node describes them. Also writes each
 * policy's map on one trace for its doc page (docs/images/maps/<policy>.png).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { allocatorNames, type AllocatorName, type PolicyInternals } from '../src/index.js';
import { loadTraces } from '../src/cli/load-traces.js';
import type { Trace } from '../src/trace/types.js';
import { writeReport } from '../src/cli/report-command.js';
import { launchChromium, type OpenBrowser } from './support/browser.js';
import { heapInNode, openReport } from './support/report-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TRACE = join(root, 'traces/malloclab/random-bal.rep');
/** The trace each doc page's map shows: small and large blocks interleaved, then the large ones freed. */
export const MAP_TRACE = join(root, 'traces/malloclab/binary-bal.rep');
let chromium: OpenBrowser;
let work: string;
let trace: Trace;

before(async () => {
  chromium = await launchChromium();
  work = mkdtempSync(join(tmpdir(), 'heapflow-internals-test-'));
  [trace] = await loadTraces([TRACE]) as [Trace];
});
after(async () => {
  await chromium?.close();
  rmSync(work, { recursive: true, force: true });
});

async function openFor(allocator: AllocatorName, file = TRACE): Promise<{ page: Page; errors: string[] }> {
  const url = pathToFileURL(await writeReport([file], { output: join(work, `${allocator}.html`), allocator })).href;
  return openReport(chromium, url);
}

/** The main step view's internals after moving the cursor to op t. */
async function drawnAt(page: Page, t: number): Promise<{ bits: [string, number, number][]; buddy: number[]; chain: string[] }> {
  await page.evaluate((op) => window.heapflowReport.setCursor(op), t);
  return page.locator('.map-and-steps .step-view').evaluate((view) => ({
    bits: Array.from(view.querySelectorAll<SVGElement>('rect.bit')).map((r) => [r.dataset.map as string, Number(r.dataset.bit), Number(r.dataset.set)] as [string, number, number]),
    buddy: Array.from(view.querySelectorAll<SVGElement>('path.buddy-free')).flatMap((r) => (r.dataset.offsets ?? '').split(' ').map(Number)),
    chain: Array.from(view.querySelectorAll('.chain-node')).map((n) => n.textContent ?? ''),
  }));
}

const OPS = [1, 700, 2400, 3900];

test('tlsf: the bitmap bits drawn at each op are the bits heap.internals() gives in Node', async () => {
  const { page, errors } = await openFor('tlsf');
  for (const t of OPS) {
    const x = heapInNode(trace, 'tlsf', t).internals() as Extract<PolicyInternals, { kind: 'tlsf' }>;
    const { bits } = await drawnAt(page, t);
    const fl = bits.filter(([m]) => m === 'fl');
    assert.ok(fl.length >= 3, `op ${t}: the FL bitmap is drawn`);
    for (const [, bit, set] of fl) assert.equal(set, (x.flBitmap >>> bit) & 1, `op ${t}: FL bit ${bit}`);
    for (let level = 0; level < x.slBitmaps.length; level++) {
      const row = bits.filter(([m]) => m === `sl${level}`);
      const word = x.slBitmaps[level] as number;
      if (row.length === 0) { assert.equal(word, 0, `op ${t}: level ${level} is not drawn, so all its bits are clear`); continue; }
      assert.equal(row.length, x.slCount);
      for (const [, bit, set] of row) assert.equal(set, (word >>> bit) & 1, `op ${t}: SL bit (${level}, ${bit})`);
    }
    assert.ok(bits.some(([, , set]) => set === 1) === (x.flBitmap !== 0));
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('buddy: every order bit and free block drawn as in Node', async () => {
  const { page, errors } = await openFor('buddy');
  for (const t of OPS) {
    const x = heapInNode(trace, 'buddy', t).internals() as Extract<PolicyInternals, { kind: 'buddy' }>;
    const { bits, buddy } = await drawnAt(page, t);
    assert.deepEqual(bits.filter(([m]) => m === 'order').map(([, bit, set]) => [bit, set]).sort((a, b) => a[0] - b[0]),
      x.orders.map((o) => [o.order, (x.bitmap >>> o.order) & 1]), `op ${t}: order bits`);
    assert.deepEqual(buddy.sort((a, b) => a - b), x.orders.flatMap((o) => o.first).sort((a, b) => a - b), `op ${t}: free blocks drawn`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("pool: the free list drawn head first, as in Node", async () => {
  // binary-bal: a third of its requests fit the pool's 64-byte blocks (random-bal's none)
  const [small] = await loadTraces([MAP_TRACE]) as [Trace];
  const { page, errors } = await openFor('pool', MAP_TRACE);
  for (const t of [1, 3000, 6000, 8400]) {
    const x = heapInNode(small, 'pool', t).internals() as Extract<PolicyInternals, { kind: 'pool' }>;
    const { chain } = await drawnAt(page, t);
    assert.deepEqual(chain, x.freeList.first.slice(0, chain.length).map((s) => `0x${s.toString(16)}`), `op ${t}: free list`);
    assert.equal(chain.length, Math.min(24, x.freeList.length), `op ${t}: nodes drawn`);
    if (t > 1) assert.ok(chain.length > 0, `op ${t}: the pool has free slots`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('each policy\'s map on one trace, for its doc page (docs/images/maps/<policy>.png)', async () => {
  const dir = join(root, 'docs/images/maps');
  mkdirSync(dir, { recursive: true });
  for (const allocator of allocatorNames()) {
    const { page, errors } = await openFor(allocator, MAP_TRACE);
    const ops = await page.evaluate(() => window.heapflowReport.ops);
    await page.evaluate((t) => window.heapflowReport.setCursor(t), Math.floor(ops * 0.7));
    await page.locator('.map-and-steps').screenshot({ path: join(dir, `${allocator}.png`) });
    assert.deepEqual(errors, [], allocator);
    await page.close();
  }
});

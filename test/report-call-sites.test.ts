/**
 * Call sites in the HTML report: the embedded trace keeps the call-site table and the per-op
 * threads and sites; in the page (Debian's Chromium through playwright-core) the three lists
 * equal what src/trace/call-sites.ts computes in Node, the colour switch changes the heap
 * map's and the address x time picture's pixels, and a block's hover text names its site.
 * The page's replay also honours a captured trace's alignments, as `heapflow replay` does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { writeReport } from '../src/cli/report-command.js';
import { decodeTrace, encodeTrace, TraceCodecError } from '../src/report/model/trace-codec.js';
import { TOP_SITES } from '../src/report/page/call-sites-view.js';
import { ReplaySession } from '../src/report/model/session.js';
import { generalAllocatorNames } from '../src/policies.js';
import { liveSites } from '../src/report/model/site-colours.js';
import { callSiteLists, describeCallSite, type SiteFigure } from '../src/trace/call-sites.js';
import { parseHft } from '../src/trace/hft.js';
import { readTrace } from '../src/trace/read-trace.js';
import { NO_SITE, OP_FREE } from '../src/trace/types.js';
import { launchChromium, type OpenBrowser } from './support/browser.js';
import { canvasPixels, openReport } from './support/report-page.js';

const SITES = ['s 0 0x10 prog+0x10 parse.c:12 parse_line', 's 1 0x20 prog+0x20 table.c:40 table_grow',
  's 2 0x30 prog+0x30 ? make_node', 's 3 0x40 prog+0x40 buf.c:7 buf_append'];
/** The one block of this size, made at site 1 and live at the end. */
const MARKED_SIZE = 12_345;

/**
 * A trace with known sites: two threads, short-lived buffers (temporary), nodes that stay,
 * a growing table moved by realloc, some ops without a site; one marked block at the end.
 */
function handmadeHft(): string {
  const lines = ['hft 1', 't 0 100', 't 1 101', ...SITES];
  let next = 0;
  const nodes: number[] = [];
  let table = -1;
  for (let round = 0; round < 300; round++) {
    const thread = round % 2;
    const buf = next++;
    lines.push(`a ${buf} ${16 + (round % 7) * 8} 0 50 ${thread} 3`, `f ${buf} 10 ${thread} 3`);
    const node = next++;
    lines.push(`a ${node} ${24 + (round % 5) * 16} 0 40 ${thread} ${round % 3 === 0 ? 2 : 0}`);
    nodes.push(node);
    if (round % 20 === 0) {
      if (table < 0) { table = next++; lines.push(`a ${table} 256 0 30 0 1`); }
      else lines.push(`r ${table} ${256 * (round / 20 + 1)} 30 0 1`);
    }
    if (round % 4 === 3) lines.push(`f ${nodes.splice(round % nodes.length, 1)[0]} 20 ${thread} -`);
    if (round % 50 === 49) { const id = next++; lines.push(`a ${id} 64 0 5 1 -`); }
  }
  lines.push(`a ${next} ${MARKED_SIZE} 0 30 0 1`);
  return `${lines.join('\n')}\n`;
}

test('the embedded trace carries the call-site table, threads, sites and alignments', () => {
  const trace = parseHft(handmadeHft(), 'known.hft');
  const back = decodeTrace(encodeTrace(trace), 'known.hft');
  const detail = trace.detail!;
  assert.deepEqual(back.detail?.sites, detail.sites);
  assert.deepEqual(back.detail?.threads, detail.threads);
  assert.deepEqual([...back.detail!.siteIndex], [...detail.siteIndex]);
  assert.deepEqual([...back.detail!.threadIndex], [...detail.threadIndex]);
  assert.deepEqual([...back.detail!.aligns], [...detail.aligns]);
  assert.deepEqual(callSiteLists(back), callSiteLists(trace), 'the page computes the same lists from what it reads');

  fc.assert(fc.property(fc.array(fc.record({ site: fc.integer({ min: -1, max: 3 }), thread: fc.nat(1), align: fc.constantFrom(0, 16, 64, 4096), size: fc.nat(5000) }), { maxLength: 60 }),
    (steps) => {
      const text = ['hft 1', 't 0 1', 't 1 2', ...SITES,
        ...steps.map((s, id) => `a ${id} ${s.size} ${s.align} 1 ${s.thread} ${s.site < 0 ? '-' : s.site}`)].join('\n');
      const original = parseHft(`${text}\n`, 'random.hft');
      const decoded = decodeTrace(encodeTrace(original), 'random.hft');
      assert.deepEqual([...decoded.detail!.siteIndex], [...original.detail!.siteIndex]);
      assert.deepEqual([...decoded.detail!.aligns], [...original.detail!.aligns]);
    }), { numRuns: 50 });

  const bytes = encodeTrace(parseHft('hft 1\ns 0 0x1 m+0x1 a.c:1 f\na 0 8 0 1 0 0\n', 'one.hft'));
  const badSite = Uint8Array.from(bytes);
  badSite[badSite.length - 2] = 9; // the op's site column: site 8 of a one-site table
  assert.throws(() => decodeTrace(badSite, 'x'), /op 0: site 9 out of range \[0, 2\)/);
  assert.throws(() => decodeTrace(bytes.subarray(0, bytes.length - 1), 'x'), TraceCodecError);
});

test('liveSites: at every op, each live block\'s site is that of its latest malloc or realloc, and nothing else is found', () => {
  const trace = parseHft(handmadeHft(), 'known.hft');
  const session = new ReplaySession(trace, { label: 'segfit', backing: 'wasm' });
  while (!session.runSome(10_000));
  const detail = trace.detail!;
  const latest = new Map<number, number>(); // id -> its latest a or r op
  for (let t = 0; t <= trace.length; t += 7) {
    latest.clear();
    for (let i = 0; i < t; i++) {
      if (trace.kinds[i] === OP_FREE) latest.delete(trace.ids[i]!);
      else latest.set(trace.ids[i]!, i);
    }
    const live = liveSites(session, detail, t);
    assert.equal(live.size, latest.size);
    assert.equal(session.blocksAt(t).filter((b) => b.state === 'used').length, latest.size);
    for (const op of latest.values()) assert.equal(live.siteOf(session.resultPtr[op]!), detail.siteIndex[op], `op ${op} at ${t}`);
    assert.equal(live.siteOf(1), undefined, 'no block at an odd address');
  }
});

test('the report replays a captured posix_memalign, memalign or valloc at its alignment', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(0, 16, 64, 256, 4096, 65536), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 40 }), fc.constantFrom(...generalAllocatorNames()),
    (ops, allocator) => {
      const trace = parseHft(`hft 1\n${ops.map(([align, size], id) => `a ${id} ${size} ${align} 1 0 -`).join('\n')}\n`, 'aligned.hft');
      const session = new ReplaySession(decodeTrace(encodeTrace(trace), 'aligned.hft'), { label: allocator, allocator, backing: 'wasm' });
      while (!session.runSome(100));
      ops.forEach(([align], i) => assert.equal(session.resultPtr[i]! % Math.max(8, align), 0, `op ${i}: ${align}-aligned on ${allocator}`));
      session.current.check();
    }), { numRuns: 30 });
});

let chromium: OpenBrowser;
let work: string;
before(async () => {
  chromium = await launchChromium();
  work = mkdtempSync(join(tmpdir(), 'heapflow-sites-report-'));
});
after(async () => {
  await chromium?.close();
  rmSync(work, { recursive: true, force: true });
});

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  return openReport(chromium, pathToFileURL(await writeReport([file], { output: join(work, 'sites.html') })).href);
}

const shown = (list: readonly SiteFigure[]): { site: number | null; value: number }[] =>
  list.map((f) => ({ site: f.site === NO_SITE ? null : f.site, value: f.value }));

test('the report of a trace with call sites: the three lists as in Node, colours by site, the site in the hover text', async () => {
  const file = join(work, 'known.hft');
  writeFileSync(file, handmadeHft());
  const trace = await readTrace(file);
  const lists = callSiteLists(trace, TOP_SITES)!;
  const { page, errors } = await open(file);

  const inPage = await page.evaluate(() => window.heapflowReport.callSites);
  assert.deepEqual(inPage, { byPeakLive: shown(lists.byPeakLive), byCount: shown(lists.byCount), byTemporary: shown(lists.byTemporary), peakLiveBytes: lists.peakLiveBytes });
  assert.ok(lists.byTemporary.some((f) => f.callSite?.fn === 'buf_append'), 'the handmade trace has temporary allocations');
  const rows = await page.$$eval('#site-count tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
  assert.deepEqual(rows.map((r) => r.replace(/^[\d,]+\s*/, '')), lists.byCount.map((f) => describeCallSite(f.callSite)), 'the table names each site by function and file:line');

  const before = { map: await canvasPixels(page, 'canvas.heap-map'), time: await canvasPixels(page, 'canvas.address-time') };
  await page.click('#site-colours');
  const on = { map: await canvasPixels(page, 'canvas.heap-map'), time: await canvasPixels(page, 'canvas.address-time') };
  assert.notEqual(on.map.hash, before.map.hash, 'the switch recolours the heap map');
  assert.notEqual(on.time.hash, before.time.hash, 'and the address x time picture');
  assert.ok(await page.locator('.site-legend .entry', { hasText: 'table_grow (table.c:40)' }).isVisible(), 'the legend names the top sites');

  const marked = await page.evaluate((size) => window.heapflowReport.blocks.find((b) => b.requested === size)?.ptr, MARKED_SIZE);
  assert.ok(marked !== undefined);
  const point = await page.evaluate((ptr) => window.heapflowReport.mapPointOf(ptr), marked);
  assert.ok(point !== null);
  const box = (await page.locator('canvas.heap-map').first().boundingBox())!;
  await page.mouse.move(box.x + 1 + point.x, box.y + 1 + point.y);
  const tip = await page.locator('.map-box .tip').first().textContent();
  assert.match(tip ?? '', new RegExp(`requested ${(MARKED_SIZE / 1024).toFixed(1)} KiB`));
  assert.match(tip ?? '', /call site: table_grow \(table\.c:40\)/);

  await page.evaluate(() => window.heapflowReport.setSiteColours(false));
  assert.equal((await canvasPixels(page, 'canvas.heap-map')).hash, before.map.hash, 'switched off, the map is coloured by state again');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a .rep trace has no call-site section and no switch', async () => {
  const file = join(work, 'plain.rep');
  writeFileSync(file, '0\n2\n3\n1\na 0 40\na 1 100\nf 0\n');
  const { page, errors } = await open(file);
  assert.equal(await page.evaluate(() => window.heapflowReport.callSites), null);
  assert.equal(await page.locator('#site-colours').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

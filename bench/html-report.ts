/**
 * `npm run bench:report`: the report's scale figures on a 2 M-op trace made of real
 * program traces (traces/real, one after another with their ids kept apart; blocks left
 * live by one program stay live), opened in Debian's Chromium from a file:// URL:
 *
 *   - the report's size on disk (target: at most 10,000,000 bytes)
 *   - the first full picture: navigation start to every view drawn (target: 3 s)
 *   - a cursor move to a random op: map, step log and the policy's internals, charts, side by
 *     side redrawn (target: 200 ms); the synchronous part and the time until the next frame
 *
 * Prints the figures and the machine's load average before and after (timings taken on a
 * busy machine say so); asserts nothing (timings are not tests).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { parseRep, formatRep } from '../src/trace/rep.js';
import { OP_ALLOC, type Trace } from '../src/trace/types.js';
import { writeReport } from '../src/cli/report-command.js';
import { findPackageRoot } from '../src/cli/package-root.js';
import { launchChromium } from '../test/support/browser.js';

const TARGET_OPS = 2_000_000;
const PARTS = ['bash', 'apt-cache', 'find', 'objdump'];
const CURSOR_MOVES = 25;

/** The real traces one after another, repeated until TARGET_OPS. */
function concatenated(dir: string): Trace {
  const parts = PARTS.map((name) => parseRep(gunzipSync(readFileSync(join(dir, `${name}.rep.gz`))).toString('latin1'), name));
  const kinds: number[] = [], ids: number[] = [], sizes: number[] = [];
  let idBase = 0;
  for (let k = 0; kinds.length < TARGET_OPS; k++) {
    const part = parts[k % parts.length] as Trace;
    const take = Math.min(part.length, TARGET_OPS - kinds.length);
    for (let i = 0; i < take; i++) { kinds.push(part.kinds[i] as number); ids.push((part.ids[i] as number) + idBase); sizes.push(part.sizes[i] as number); }
    // a part cut short may leave frees of ids it never allocated out: not the case, since a cut keeps a prefix
    idBase += part.idCount;
  }
  return { source: 'real-2m', suggestedHeapSize: 0, idCount: idBase, weight: 0, length: kinds.length,
    kinds: Uint8Array.from(kinds), ids: Uint32Array.from(ids), sizes: Float64Array.from(sizes) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const root = findPackageRoot();
  const work = mkdtempSync(join(tmpdir(), 'heapflow-bench-report-'));
  try {
    const trace = concatenated(join(root, 'traces', 'real'));
    const allocs = trace.kinds.reduce((n, k) => n + (k === OP_ALLOC ? 1 : 0), 0);
    const tracePath = join(work, 'real-2m.rep.gz');
    writeFileSync(tracePath, gzipSync(formatRep(trace)));
    const out = await writeReport([tracePath], { output: join(work, 'report.html') });
    const bytes = statSync(out).size;
    console.log(`trace: ${trace.length.toLocaleString('en')} ops (${allocs.toLocaleString('en')} allocs) from traces/real/{${PARTS.join(',')}}.rep.gz in turn`);
    console.log(`report size: ${bytes.toLocaleString('en')} bytes (target <= 10,000,000: ${bytes <= 10_000_000 ? 'met' : 'MISSED'})`);

    const load = (): string => loadavg().map((x) => x.toFixed(2)).join(', ');
    console.log(`load average (1, 5, 15 min) before opening: ${load()}`);
    const chromium = await launchChromium();
    try {
      const page = await chromium.context.newPage();
      await page.goto(pathToFileURL(resolve(out)).href);
      await page.waitForFunction(() => window.heapflowReport?.ready || window.heapflowReport?.error, null, { timeout: 120_000 });
      const opened = await page.evaluate(() => ({ ms: window.heapflowReport.firstPictureMs, phases: window.heapflowReport.phases, error: window.heapflowReport.error }));
      if (opened.error) throw new Error(opened.error);
      const phases = Object.entries(opened.phases).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ');
      console.log(`first full picture: ${Math.round(opened.ms)} ms after navigation start (${phases}) (target <= 3000: ${opened.ms <= 3000 ? 'met' : 'MISSED'})`);
      const moves: number[] = [], sync: number[] = [];
      let seed = 12345;
      for (let k = 0; k < CURSOR_MOVES; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const op = seed % (trace.length + 1);
        const [inCall, toFrame] = await page.evaluate((t) => new Promise<[number, number]>((done) => {
          const start = performance.now();
          window.heapflowReport.setCursor(t);
          const after = performance.now() - start;
          requestAnimationFrame(() => done([after, performance.now() - start]));
        }), op);
        sync.push(inCall);
        moves.push(toFrame);
      }
      const worst = Math.max(...moves);
      console.log(`cursor move to a random op (${CURSOR_MOVES} moves, until the next frame): median ${median(moves).toFixed(0)} ms, worst ${worst.toFixed(0)} ms (target <= 200: ${worst <= 200 ? 'met' : 'MISSED'}); of which in setCursor itself: median ${median(sync).toFixed(0)} ms, worst ${Math.max(...sync).toFixed(0)} ms`);
      console.log(`load average (1, 5, 15 min) after: ${load()}`);
    } finally {
      await chromium.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

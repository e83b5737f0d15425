/**
 * Writes the self-contained report: one HTML file holding the page bundle (heapflow's core
 * and the charting library, built by `npm run build` into dist/report/), its stylesheet
 * and the traces. Nothing is fetched when it opens.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Trace } from '../trace/types.js';
import { DATA_ELEMENT_ID, type ReportData } from './model/report-data.js';
import type { SessionSpec } from './model/session.js';
import { encodeTrace } from './model/trace-codec.js';

/** The built page is missing (the package was not built): says what to run. */
export class ReportBuildError extends Error {
  constructor(path: string) {
    super(`the report page bundle ${path} is missing: run 'npm run build' first`);
    this.name = 'ReportBuildError';
  }
}

export interface ReportInput {
  traces: readonly { name: string; trace: Trace }[];
  specs: readonly SessionSpec[];
  title?: string;
  /** Folder holding page.js and page.css (dist/report of the built package). */
  pageDir: string;
}

export async function renderReport(input: ReportInput): Promise<string> {
  const [script, style] = await Promise.all([readPage(input.pageDir, 'page.js'), readPage(input.pageDir, 'page.css')]);
  const data: ReportData = {
    title: input.title ?? `heapflow report: ${input.traces.map((t) => t.name).join(', ')}`,
    specs: [...input.specs],
    traces: input.traces.map(({ name, trace }) => ({
      name,
      ops: trace.length,
      gzipBase64: gzipSync(encodeTrace(trace), { level: 9 }).toString('base64'),
    })),
  };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${style}</style>`,
    '</head><body><div id="app"></div>',
    `<script type="application/json" id="${DATA_ELEMENT_ID}">${inlineSafe(JSON.stringify(data))}</script>`,
    `<script>${inlineSafe(script)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

async function readPage(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new ReportBuildError(path);
  }
}

/** Text inside <script> must not contain `</script` (or `<!--`): escape the `<`. */
function inlineSafe(text: string): string {
  return text.replace(/<(\/script|!--)/gi, '\\u003c$1');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

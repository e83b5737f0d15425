/**
 * Formatting and lookups shared by the tables of `npm run bench` (report.ts, policy-table.ts):
 * column names, number formats, markdown tables, per-round ratios.
 */
import { median } from './replay.js';
import type { CellResult, TraceResult } from './report.js';

export const HF = 'heapflow';
/** Default options on the default backing, and on the resizable one (the backing that gives memory back). */
export const GROW = 'heapflow/grow';
export const RESIZABLE_GROW = 'heapflow/resizable-grow';
export const PEERS = ['thi.ng', 'codemix'];

export const fmtNs = (x: number): string =>
  !Number.isFinite(x) ? '-' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
export const fmtX = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const pct = (x: number | null, digits = 1): string => (x == null || !Number.isFinite(x) ? '-' : (x * 100).toFixed(digits) + '%');
export const fmtPct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '-');
export const geomean = (xs: number[]): number => {
  const f = xs.filter((x) => Number.isFinite(x) && x > 0);
  return f.length ? Math.exp(f.reduce((s, x) => s + Math.log(x), 0) / f.length) : NaN;
};

export function table(hdr: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const w = hdr.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const a = align ?? hdr.map((_, i) => (i === 0 ? 'l' : 'r'));
  const cell = (x: string, i: number) => (a[i] === 'l' ? x.padEnd(w[i]) : x.padStart(w[i]));
  const line = (r: string[]) => '| ' + r.map((x, i) => cell(x ?? '', i)).join(' | ') + ' |';
  const sep = '|' + w.map((x, i) => (a[i] === 'l' ? ':' + '-'.repeat(x + 1) : '-'.repeat(x + 1) + ':')).join('|') + '|';
  return [line(hdr), sep, ...rows.map(line)].join('\n');
}

export const cellOf = (t: TraceResult, col: string) => t.cells.find((c) => c.column === col);

/** Median over rounds of num/den (both measured in the same round); falls back to the ratio of
 *  medians (flag true) when no round has both (e.g. a peer measured only in its validation pass). */
export function ratio(t: TraceResult, num: string, den: string): { x: number; fromMedians: boolean } {
  const xs: number[] = [];
  for (const r of t.rounds) if (r[num] > 0 && r[den] > 0) xs.push(r[num] / r[den]);
  if (xs.length) return { x: median(xs), fromMedians: false };
  const a = cellOf(t, num), b = cellOf(t, den);
  if (a && b && !a.fail && !b.fail && Number.isFinite(a.nsPerOp) && Number.isFinite(b.nsPerOp)) {
    return { x: a.nsPerOp / b.nsPerOp, fromMedians: true };
  }
  return { x: NaN, fromMedians: false };
}

/** The faster npm peer on this trace (lower median ns/op). */
export function bestPeer(t: TraceResult): string | null {
  let best: string | null = null, bestNs = Infinity;
  for (const p of PEERS) {
    const c = cellOf(t, p);
    if (c && !c.fail && Number.isFinite(c.nsPerOp) && c.nsPerOp < bestNs) { best = p; bestNs = c.nsPerOp; }
  }
  return best;
}

export function nsCell(c: CellResult | undefined): string {
  if (!c) return '-';
  if (c.fail && !c.samples.length) return 'FAIL';
  return fmtNs(c.nsPerOp) + (c.partial ? '*' : c.validationOnly ? '~' : '');
}

export const rx = (r: { x: number; fromMedians: boolean }) => fmtX(r.x) + (r.fromMedians ? '†' : '');

export interface Check { what: string; met: boolean | null; figure: string }


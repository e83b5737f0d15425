/**
 * The allocator family in one table (issue #11 §4): every policy's speed against native glibc,
 * the npm peers and the GC, and its utilization on malloc-lab and on real programs — and the
 * targets each policy is held to.
 */
import { median } from './replay.js';
import { cellOf, type Check, fmtX, HF, pct, ratio, table } from './report-format.js';
import type { Report, TraceResult } from './report.js';

/** The default policy's column is `heapflow`; the others are `heapflow:NAME`. */
const policyColumns = (cols: string[]): string[] => cols.filter((c) => c === HF || c.startsWith('heapflow:'));

/** Reference columns shown under the policies: how far a JS allocator gets without heapflow's duties. */
const REFERENCES: Record<string, string> = {
  'textbook-tlsf': 'textbook TLSF (reference: no checks, counters or growth)',
  ref: 'trivial allocator (reference: exact classes, no merging)',
};

const avgUtil = (ts: TraceResult[], col: string): number => {
  const us = ts.map((t) => cellOf(t, col)?.util).filter((u): u is number => u != null && Number.isFinite(u));
  return us.length === ts.length && us.length ? us.reduce((a, b) => a + b, 0) / us.length : NaN;
};

const medianRatio = (ts: TraceResult[], num: string, den: string): number =>
  median(ts.map((t) => ratio(t, num, den).x).filter(Number.isFinite));

function worstRatio(ts: TraceResult[], num: string, den: string): { x: number; t: string } {
  let w = { x: -Infinity, t: '-' };
  for (const t of ts) {
    const x = ratio(t, num, den).x;
    if (Number.isFinite(x) && x > w.x) w = { x, t: t.name };
  }
  return w;
}

/** One row per policy column: speed ratios (median and worst trace) and utilization. */
export function renderPolicyTable(rep: Report, cols: string[], defaultName: string): string {
  const main = rep.traces.filter((t) => t.group !== 'scaling');
  const ml = main.filter((t) => t.group === 'malloclab');
  const real = main.filter((t) => t.group === 'real');
  const has = (c: string) => cols.includes(c);
  const rows = [...policyColumns(cols), ...Object.keys(REFERENCES).filter(has)].map((c) => {
    const name = c === HF ? `${defaultName} (default)` : REFERENCES[c] ?? c.slice('heapflow:'.length);
    const r: string[] = [name];
    if (has('glibc')) r.push(fmtX(medianRatio(main, c, 'glibc')), fmtX(worstRatio(main, c, 'glibc').x));
    if (has('codemix')) r.push(fmtX(medianRatio(main, c, 'codemix')), fmtX(worstRatio(main, c, 'codemix').x));
    if (has('js-gc')) r.push(fmtX(worstRatio(main, c, 'js-gc').x));
    r.push(pct(avgUtil(ml, c)), pct(avgUtil(real, c)));
    return r;
  });
  const hdr = ['policy'];
  if (has('glibc')) hdr.push('/ glibc, median', '/ glibc, worst');
  if (has('codemix')) hdr.push('/ codemix, median', '/ codemix, worst');
  if (has('js-gc')) hdr.push('/ js-gc, worst (< 1: faster)');
  hdr.push('util, malloc-lab avg', 'util, real programs avg');
  return `Time ratios are medians over rounds of the per-round ratio (lower is faster), over the ${main.length} ` +
    `non-scaling traces; utilization = peak live payload / peak heap extent.\n\n` + table(hdr, rows);
}

/** Issue #11's targets for the default, tlsf and pages (each only when its columns were measured). */
export function policyChecks(rep: Report, cols: string[]): Check[] {
  const main = rep.traces.filter((t) => t.group !== 'scaling');
  const real = main.filter((t) => t.group === 'real');
  const has = (c: string) => cols.includes(c);
  const checks: Check[] = [];
  if (has(HF) && has('codemix')) {
    const med = medianRatio(main, HF, 'codemix');
    const w = worstRatio(main, HF, 'codemix');
    checks.push({ what: 'default: ≤ 0.2x the time of `malloc` (codemix) on the median trace', met: med <= 0.2, figure: `median ${fmtX(med)}x` });
    checks.push({ what: 'default: ≤ 0.5x the time of codemix on every trace', met: w.x <= 0.5, figure: `worst ${fmtX(w.x)}x (${w.t})` });
  }
  if (has(HF) && real.length) {
    const u = avgUtil(real, HF);
    checks.push({ what: 'default: ≥ 93% utilization on real programs (glibc: 89%)', met: u >= 0.93, figure: `${pct(u)} over ${real.length} traces` });
  }
  const tlsf = 'heapflow:tlsf', pages = 'heapflow:pages';
  if (has(tlsf) && has('glibc')) {
    const med = medianRatio(main, tlsf, 'glibc');
    checks.push({ what: 'tlsf: ≤ 1.3x native glibc on the median trace', met: med <= 1.3, figure: `median ${fmtX(med)}x` });
  }
  if (has(tlsf) && real.length) {
    const ref = has('heapflow:segfit') ? 'heapflow:segfit' : HF;
    const gaps = real.map((t) => ({ t: t.name, d: (cellOf(t, ref)?.util ?? NaN) - (cellOf(t, tlsf)?.util ?? NaN) }));
    const w = gaps.reduce((a, b) => (b.d > a.d ? b : a), { t: '-', d: -Infinity });
    checks.push({ what: 'tlsf: utilization within 3 points of segfit on real programs', met: w.d <= 0.03, figure: `worst ${(100 * w.d).toFixed(1)} points below (${w.t})` });
  }
  if (has(pages) && has('glibc')) {
    const med = medianRatio(main, pages, 'glibc');
    checks.push({ what: 'pages: ≤ 1.1x native glibc on the median trace', met: med <= 1.1, figure: `median ${fmtX(med)}x` });
  }
  if (has(pages) && has('js-gc')) {
    const w = worstRatio(main, pages, 'js-gc');
    checks.push({ what: 'pages: faster than GC\'d `new Uint8Array(n)` on every trace', met: w.x < 1, figure: `worst ${fmtX(w.x)}x (${w.t})` });
  }
  return checks;
}

/**
 * Tables and target checks of `npm run bench`, as markdown (printed, and written to bench/RESULTS.md).
 */
import { median } from './replay.js';
import {
  bestPeer, cellOf, type Check, fmtNs, fmtPct, fmtX, geomean, GROW, HF, nsCell, PEERS, pct, ratio, RESIZABLE_GROW, rx, table,
} from './report-format.js';
import { policyChecks, renderPolicyTable } from './policy-table.js';
export { ratio } from './report-format.js';

export interface CellResult {
  column: string;
  kind: 'heapflow' | 'peer' | 'gc' | 'ref' | 'native';
  /** ns/op of each timed round. */
  samples: number[];
  /** Median of samples (or the validation pass, see validationOnly / partial). */
  nsPerOp: number;
  /** Peak live payload / peak extent; null where meaningless (js-gc, native). */
  util: number | null;
  heapMult: number | null;
  status: string;
  /** A run hit the time cap: figures over the ops completed. */
  partial: boolean;
  /** No timed run fitted the cell budget: ns/op from the validation pass. */
  validationOnly: boolean;
  fail: string | null;
  validationNsPerOp?: number;
}

export interface TraceResult {
  name: string;
  group: 'synthetic' | 'malloclab' | 'real' | 'scaling';
  nOps: number;
  timedOps: number;
  repsPerSample: number;
  peakLiveBlocks: number;
  peakLiveBytes: number;
  cells: CellResult[];
  /** ns/op per column, one object per round (for per-round ratios). */
  rounds: Array<Record<string, number>>;
}

export interface HookRow {
  trace: string;
  ns: Record<string, number>;
  /** Median over rounds of variant / no-listener heap. */
  ratio: Record<string, number>;
}

/** Debug-mode section: median ns/op of the replay engine's timed pass per mode on one trace. */
export interface DebugRow {
  trace: string;
  /** Median ns per op of the normal heap, of debug mode with stacks off, and with stacks on. */
  normal: number;
  stacksOff: number;
  stacksOn: number;
  /** Errors the replays reported (0: clean), with the first messages. */
  errors: number;
  errorMessages: string[];
}

export interface Report {
  machine: {
    node: string; v8: string; cpu: string; cores: number; memGiB: number; os: string; gcc: string; glibc: string;
    date: string; peers: Record<string, string>;
  };
  options: { rounds: number; runTimeoutS: number; cellBudgetS: number; minSampleOps: number; heapMult: number; quick: boolean; argv: string };
  nativeMsg: string;
  adapters: Array<{ name: string; notes: string }>;
  traces: TraceResult[];
  hook: { rows: HookRow[]; variantMsg: string; guard: string | null; rounds: number } | null;
  /** Debug-mode slowdown (null: skipped, --no-debug or no malloc-lab trace). Absent in older JSON. */
  debug?: { rows: DebugRow[]; samples: number; minOps: number } | null;
  wallS: number;
  /** The policy behind the `heapflow` column (absent in older JSON). */
  defaultAllocator?: string;
}

const DEBUG_TARGET = 10;

/** The debug-mode table: per trace ns/op of each mode and the ratio to normal, and the geometric means. */
export function renderDebugTable(rows: DebugRow[]): string {
  const x = (a: number, b: number) => (Number.isFinite(a / b) ? `${fmtX(a / b)}x` : '-');
  const r = rows.map((d) => [d.trace.replace('malloclab/', '') + (d.errors ? ' (errors!)' : ''), fmtNs(d.normal),
    fmtNs(d.stacksOff), x(d.stacksOff, d.normal), fmtNs(d.stacksOn), x(d.stacksOn, d.normal)]);
  if (rows.length > 1) {
    const g = (f: (d: DebugRow) => number) => geomean(rows.map(f));
    r.push(['**geometric mean**', fmtNs(g((d) => d.normal)), fmtNs(g((d) => d.stacksOff)), `**${fmtX(g((d) => d.stacksOff / d.normal))}x**`,
      fmtNs(g((d) => d.stacksOn)), `**${fmtX(g((d) => d.stacksOn / d.normal))}x**`]);
  }
  return table(['trace', 'normal ns/op', 'stacks off ns/op', 'stacks off / normal', 'stacks on ns/op', 'stacks on / normal'], r);
}

export function renderReport(rep: Report): string {
  const out: string[] = [];
  const m = rep.machine;
  const main = rep.traces.filter((t) => t.group !== 'scaling');
  const scaling = rep.traces.filter((t) => t.group === 'scaling');
  const ml = rep.traces.filter((t) => t.group === 'malloclab');
  const colNames: string[] = [];
  for (const t of rep.traces) for (const c of t.cells) if (!colNames.includes(c.column)) colNames.push(c.column);
  const has = (c: string) => colNames.includes(c);
  const natives = colNames.filter((c) => rep.traces.some((t) => cellOf(t, c)?.kind === 'native'));
  const hfVariants = colNames.filter((c) => c !== HF && c.startsWith('heapflow'));

  out.push('# heapflow benchmark results');
  out.push('');
  out.push(`Produced by \`npm run bench\`${rep.options.argv ? ` (\`${rep.options.argv}\`)` : ''} on ${m.date.slice(0, 16).replace('T', ' ')} UTC, ` +
    `wall time ${Math.round(rep.wallS)} s. See [README.md](README.md) for the method.`);
  out.push('');
  out.push(`**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB RAM, ${m.os}; Node ${m.node} (V8 ${m.v8}); ` +
    `native: ${m.gcc}, ${m.glibc}. Peers: @thi.ng/malloc ${m.peers['@thi.ng/malloc']}, malloc (codemix) ${m.peers.malloc}.`);
  out.push('');
  out.push(`Rounds per cell: ${rep.options.rounds} (interleaved), per-run cap ${rep.options.runTimeoutS} s, cell budget ${rep.options.cellBudgetS} s, ` +
    `heap for every allocator ${rep.options.heapMult}x the trace's peak live payload (fixed size), short traces replayed ` +
    `ceil(${rep.options.minSampleOps.toLocaleString('en-US')} / ops) times per sample. Native column: ${rep.nativeMsg}.`);

  // ---------------------------------------------------------------- targets
  const checks: Check[] = [];
  const hfNs = (t: TraceResult) => cellOf(t, HF)?.nsPerOp ?? NaN;
  if (has(HF) && has('js-gc')) {
    const all = rep.traces.map((t) => ({ t: t.name, x: ratio(t, 'js-gc', HF).x })).filter((r) => Number.isFinite(r.x));
    const worst = all.reduce((a, b) => (b.x < a.x ? b : a), { t: '-', x: Infinity });
    checks.push({ what: 'faster than GC\'d `new Uint8Array(n)` on every trace', met: all.length ? worst.x > 1 : null, figure: `worst ${fmtX(worst.x)}x (${worst.t})` });
  }
  if (has(HF) && has('glibc')) {
    const xs = main.map((t) => ratio(t, HF, 'glibc').x);
    const med = median(xs);
    checks.push({ what: 'within 1.25x of native glibc on the median trace', met: med <= 1.25, figure: `median heapflow/glibc ${fmtX(med)} over ${main.length} traces` });
  }
  const s1 = scaling.find((t) => t.name === 'scale-1k'), s100 = scaling.find((t) => t.name === 'scale-100k');
  if (has(HF) && s1 && s100) {
    const x = hfNs(s100) / hfNs(s1);
    checks.push({ what: 'cost per op flat as the live set grows: ≤ 2.5x from 1k to 100k live blocks', met: x <= 2.5, figure: `${fmtX(x)}x (${fmtNs(hfNs(s1))} → ${fmtNs(hfNs(s100))} ns/op)` });
  }
  if (has(GROW) && has(RESIZABLE_GROW)) {
    const all = rep.traces.map((t) => ({ t: t.name, x: ratio(t, RESIZABLE_GROW, GROW).x })).filter((r) => Number.isFinite(r.x));
    const worst = all.reduce((a, b) => (b.x > a.x ? b : a), { t: '-', x: -Infinity });
    checks.push({
      what: 'resizable backing, default options, within 2x of arraybuffer (default options) on every trace',
      met: all.length ? worst.x <= 2 : null,
      figure: `worst ${fmtX(worst.x)}x (${worst.t}), median ${fmtX(median(all.map((r) => r.x)))}x`,
    });
  }
  if (has(HF) && ml.length && PEERS.some(has)) {
    const lose = ml.filter((t) => {
      const u = cellOf(t, HF)?.util ?? NaN;
      return PEERS.some((p) => { const c = cellOf(t, p); return c && c.util != null && !(u >= c.util - 1e-9); });
    });
    checks.push({ what: 'utilization ≥ both peers on every malloc-lab trace', met: lose.length === 0, figure: lose.length ? `behind on ${lose.map((t) => t.name.replace('malloclab/', '')).join(', ')} (of ${ml.length} run)` : `${ml.length}/${ml.length} traces` });
    const avg = ml.reduce((s, t) => s + (cellOf(t, HF)?.util ?? 0), 0) / ml.length;
    checks.push({ what: 'average utilization on the malloc-lab traces ≥ 95%', met: avg >= 0.95, figure: `${pct(avg, 2)} over ${ml.length} of them` });
  }
  if (rep.hook && rep.hook.rows.length) {
    const col = rep.hook.rows.some((r) => Number.isFinite(r.ratio['hook compiled out'])) ? 'hook compiled out' : 'attach+detach';
    // off-cost = default heap / heap without the hook code (ratio stored as variant/default)
    const offs = rep.hook.rows.map((r) => 1 / r.ratio[col] - 1);
    const g = geomean(rep.hook.rows.map((r) => 1 / r.ratio[col])) - 1;
    const worst = Math.max(...offs.filter(Number.isFinite));
    checks.push({
      what: 'event hook, when off, costs < 3%',
      met: col === 'hook compiled out' ? g < 0.03 : null,
      figure: col === 'hook compiled out'
        ? `${(g * 100).toFixed(1)}% (geometric mean over ${rep.hook.rows.length} traces; worst trace ${(worst * 100).toFixed(1)}%); ` +
          `noise gauge: attach+detach, which should equal the default, measured ${fmtPct(geomean(rep.hook.rows.map((r) => r.ratio['attach+detach'])) - 1)}` +
          (g < 0 ? ' — the compiled-out copy measured slower than the default: the off cost is below what this box resolves' : '')
        : 'no hook-free variant could be built; see the event-hook section',
    });
  }
  if (rep.debug && rep.debug.rows.length) {
    const rows = rep.debug.rows;
    const xs = rows.map((d) => d.stacksOff / d.normal);
    const g = geomean(xs);
    const worst = rows.reduce((a, d) => (d.stacksOff / d.normal > a.stacksOff / a.normal ? d : a), rows[0]);
    const bad = rows.filter((d) => d.errors > 0).length;
    checks.push({
      what: `debug mode (stacks off) < ${DEBUG_TARGET}x normal`,
      met: Number.isFinite(g) ? g < DEBUG_TARGET && bad === 0 : null,
      figure: `${fmtX(g)}x (geometric mean over ${rows.length} malloc-lab traces; worst ${fmtX(worst.stacksOff / worst.normal)}x, ` +
        `${worst.trace.replace('malloclab/', '')}); stacks on ${fmtX(geomean(rows.map((d) => d.stacksOn / d.normal)))}x` +
        (bad ? `; ${bad} trace(s) with replay errors` : ''),
    });
  }
  checks.push(...policyChecks(rep, colNames));
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(table(['target', 'status', 'figure'], checks.map((c) => [c.what, c.met === null ? 'n/a' : c.met ? 'met' : '**not met**', c.figure]), ['l', 'l', 'l']));

  // ---------------------------------------------------------------- policies
  if (colNames.some((c) => c.startsWith('heapflow:'))) {
    out.push('');
    out.push('## The allocator family');
    out.push('');
    out.push(renderPolicyTable(rep, colNames, rep.defaultAllocator ?? 'default'));
  }

  // ---------------------------------------------------------------- ns/op
  const nsTable = (ts: TraceResult[], steady: boolean) =>
    table(
      ['trace', steady ? 'timed ops' : 'ops', 'peak live blocks', 'peak live KiB', ...colNames],
      ts.map((t) => [
        t.name, (steady ? t.timedOps : t.nOps).toLocaleString('en-US'), t.peakLiveBlocks.toLocaleString('en-US'),
        Math.round(t.peakLiveBytes / 1024).toLocaleString('en-US'), ...colNames.map((c) => nsCell(cellOf(t, c))),
      ]),
    );
  if (main.length) {
    out.push('');
    out.push('## ns/op (median over rounds; lower is better)');
    out.push('');
    out.push('`heapflow` = the default backing (arraybuffer). `*` = hit the per-run time cap: ns/op over the ops completed; ' +
      '`~` = no timed run fitted the cell budget: ns/op from the validation pass.');
    out.push('');
    out.push(nsTable(main, false));
  }

  // ---------------------------------------------------------------- ratios
  if (has(HF)) {
    const rcols: Array<{ h: string; f: (t: TraceResult) => string }> = [];
    for (const p of PEERS) if (has(p)) rcols.push({ h: `${p} / heapflow`, f: (t) => rx(ratio(t, p, HF)) });
    if (PEERS.some(has)) rcols.push({ h: 'faster peer / heapflow', f: (t) => { const p = bestPeer(t); return p ? rx(ratio(t, p, HF)) : '-'; } });
    if (has('js-gc')) rcols.push({ h: 'js-gc / heapflow', f: (t) => rx(ratio(t, 'js-gc', HF)) });
    for (const n of natives) rcols.push({ h: `heapflow / ${n}`, f: (t) => rx(ratio(t, HF, n)) });
    for (const v of hfVariants) rcols.push({ h: `${v.replace('heapflow/', '')} / heapflow`, f: (t) => rx(ratio(t, v, HF)) });
    if (has(GROW) && has(RESIZABLE_GROW)) rcols.push({ h: 'resizable-grow / grow', f: (t) => rx(ratio(t, RESIZABLE_GROW, GROW)) });
    const rows = (ts: TraceResult[]) => ts.map((t) => [t.name, ...rcols.map((c) => c.f(t))]);
    const medRow = (ts: TraceResult[], label: string) => [label, ...rcols.map((c) => {
      const xs = ts.map((t) => parseFloat(c.f(t).replace(/,/g, '')));
      return fmtX(median(xs));
    })];
    out.push('');
    out.push('## Ratios');
    out.push('');
    out.push('Per trace: median over rounds of the per-round ratio (both measured in the same round). ' +
      '`peer / heapflow` > 1: heapflow is that many times faster. `heapflow / glibc` < 1.25 is the native target. ' +
      'Backing rows: > 1 = slower than the default arraybuffer backing. `†` = ratio of medians (the peer had no timed round: ' +
      'its figure comes from the capped validation pass).');
    out.push('');
    const r = rows(main);
    if (main.length > 1) r.push(medRow(main, '**median trace**'));
    out.push(table(['trace', ...rcols.map((c) => c.h)], r));
  }

  // ---------------------------------------------------------------- utilization
  const ucols = colNames.filter((c) => rep.traces.some((t) => cellOf(t, c)?.util != null));
  if (ucols.length && main.length) {
    out.push('');
    out.push('## Utilization (peak live payload / peak heap extent; higher is better)');
    out.push('');
    out.push('Extent: heapflow `stats().heapSize` (the break, metadata included); thi.ng `pool.top`; codemix heap size minus ' +
      'its trailing free block. js-gc and native have no comparable extent.');
    out.push('');
    const r = main.map((t) => [t.name, ...ucols.map((c) => pct(cellOf(t, c)?.util ?? null) + (cellOf(t, c)?.partial ? '*' : ''))]);
    const avg = (ts: TraceResult[], label: string) =>
      [label, ...ucols.map((c) => pct(ts.reduce((s, t) => s + (cellOf(t, c)?.util ?? NaN), 0) / ts.length))];
    if (ml.length) r.push(avg(ml, '**average, malloc-lab**'));
    if (main.length > ml.length) r.push(avg(main, '**average, all**'));
    out.push(table(['trace', ...ucols], r));
  }

  // ---------------------------------------------------------------- scaling
  if (scaling.length) {
    out.push('');
    out.push('## Scaling: ns/op as the live set grows (steady-state window only)');
    out.push('');
    out.push('rand-small-like traces (8..512 B), 400k ops, live set 1k / 10k / 100k blocks; only the ops from the first free ' +
      'to the last allocation are timed (ramp-up and teardown replayed untimed).');
    out.push('');
    out.push(nsTable(scaling, true));
    if (s1 && s100) {
      out.push('');
      out.push(table(['100k / 1k', ...colNames], [['ns/op ratio', ...colNames.map((c) => fmtX((cellOf(s100, c)?.nsPerOp ?? NaN) / (cellOf(s1, c)?.nsPerOp ?? NaN)))]]));
    }
  }

  // ---------------------------------------------------------------- hook
  if (rep.hook && rep.hook.rows.length) {
    const h = rep.hook;
    const vcols = Object.keys(h.rows[0].ratio);
    out.push('');
    out.push('## Event hook overhead');
    out.push('');
    out.push(`Run in a fresh node process after the main section. Same heap (arraybuffer), ${h.rounds} interleaved rounds per trace, samples >= 200k ops. Columns: ns/op of the default heap (no listener), then ` +
      'each variant as `variant / default - 1` (median over rounds of the per-round ratio):');
    out.push('');
    out.push('- `noop listener`: `heap.onEvent(() => {})` attached — the cost of the hook when **on** (every step builds an event object).');
    out.push('- `attach+detach`: a listener attached and removed before the run — checks that unsubscribing restores the fast path.');
    out.push('- `hook compiled out`: ' + h.variantMsg + ' The **off** cost is `default / compiled-out - 1`.');
    if (h.guard) out.push(`- With no listener every emission site costs one check: \`${h.guard}\`.`);
    out.push('');
    const rows = h.rows.map((r) => [r.trace, fmtNs(r.ns[HF]), ...vcols.map((v) => {
      const x = r.ratio[v];
      return Number.isFinite(x) ? `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%` : '-';
    })]);
    rows.push(['**geometric mean**', '', ...vcols.map((v) => {
      const g = geomean(h.rows.map((r) => r.ratio[v]));
      return Number.isFinite(g) ? `${g >= 1 ? '+' : ''}${((g - 1) * 100).toFixed(1)}%` : '-';
    })]);
    out.push(table(['trace', 'heapflow ns/op', ...vcols], rows));
    if (vcols.includes('hook compiled out')) {
      const g = geomean(h.rows.map((r) => 1 / r.ratio['hook compiled out'])) - 1;
      out.push('');
      out.push(`Off cost (default vs compiled out): **${(g * 100).toFixed(1)}%** geometric mean over ${h.rows.length} traces ` +
        '(single traces move by several percent from run to run on this box; the mean over traces is the figure to read).');
    }
  }

  // ---------------------------------------------------------------- debug mode
  if (rep.debug && rep.debug.rows.length) {
    const d = rep.debug;
    out.push('');
    out.push('## Debug mode slowdown');
    out.push('');
    out.push('`createHeap({ debug: { stacks: false } })` (stacks off) and `createHeap({ debug: true })` (stacks on) against the ' +
      'normal heap, default options, `arraybuffer` backing; run in a fresh node process after the main section. Each mode is ' +
      'timed with the replay engine\'s timed pass (src/trace/replay.ts: a fresh heap per sample, one discarded warm-up sample, ' +
      `no verification), median ns/op of ${d.samples} samples of at least ${d.minOps.toLocaleString('en-US')} ops; stacks on: ` +
      `${Math.min(d.samples, 3)} samples of at least ${Math.ceil(d.minOps / 3).toLocaleString('en-US')} ops. Ratios are ratios of ` +
      'the medians; the modes run one after the other, so machine noise moves single ratios by ±20%. ' +
      `Target: stacks off < ${DEBUG_TARGET}x normal (geometric mean). See docs/debugging.md for where the cost goes.`);
    out.push('');
    out.push(renderDebugTable(d.rows));
    for (const r of d.rows) if (r.errors) out.push(`\n- ${r.trace}: ${r.errors} replay error(s): ${r.errorMessages.join('; ')}`);
  }

  // ---------------------------------------------------------------- columns + notes
  out.push('');
  out.push('## Columns');
  out.push('');
  for (const a of rep.adapters) out.push(`- \`${a.name}\`: ${a.notes}`);
  for (const n of natives) out.push(`- \`${n}\`: bench/native/replay.c (gcc -O2)${n === 'glibc' ? ', the system malloc' : ', LD_PRELOAD'}; one process per round, same touching rules`);
  const notes: string[] = [];
  for (const t of rep.traces) for (const c of t.cells) if (c.status !== 'ok') notes.push(`- ${t.name} / ${c.column}: ${c.status}`);
  out.push('');
  out.push('## Notes');
  out.push('');
  out.push(...(notes.length ? notes : ['- none']));
  out.push('');
  return out.join('\n');
}

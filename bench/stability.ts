/**
 * `npm run bench:stability` — is the speed the same from one fresh process to the next?
 * Runs the benchmark (bench/run.ts) on the same traces in N fresh Node processes, one after
 * the other, and reports per trace and policy the spread (slowest / fastest process) of
 *   - the ratio to a reference allocator measured in the same process and rounds (default
 *     `ref`, a trivial allocator that makes no JS objects, see refAdapter; `--ref js-gc` for
 *     GC'd `new Uint8Array(n)`, itself as unsteady as the GC): what the issue's target is
 *     about, since it cancels what a busy or throttled machine does to every column alike;
 *   - the plain ns/op, for comparison.
 * Target (issue #11): every ratio varies by at most 1.3x between processes.
 *
 *   npm run bench:stability                              5 processes, the issue's 12 traces
 *   npm run bench:stability -- --processes 3 --traces lifo,rand-small --adapters heapflow,heapflow:tlsf
 *
 * A script, not a test.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './gen-traces.js';
import { median } from './replay.js';
import { fmtNs, fmtX, ratio, table } from './report-format.js';
import type { Report } from './report.js';
import { writeResults } from './results-file.js';

const TARGET = 1.3;
const DEFAULT_TRACES = [
  'rand-small', 'rand-mixed', 'lifo', 'realloc-grow', 'fragment',
  'binary2-bal', 'random-bal', 'cp-decl-bal', 'apt-cache', 'bash', 'find', 'objdump',
];

function main(): number {
  const { values: v } = parseArgs({ options: {
    processes: { type: 'string' }, traces: { type: 'string' }, adapters: { type: 'string' }, ref: { type: 'string' },
    rounds: { type: 'string' }, write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } });
  if (v.help) {
    console.log('npm run bench:stability -- [--processes 5] [--traces a,b] [--adapters heapflow,heapflow:tlsf] [--ref ref|js-gc] [--rounds 3] [--write: also bench/STABILITY.md]');
    return 0;
  }
  const n = Math.max(2, Number(v.processes ?? 5));
  const ref = v.ref ?? 'ref';
  const cols = (v.adapters ?? 'heapflow,heapflow:tlsf,heapflow:pages').split(',').filter((c) => c !== ref);
  const traces = v.traces ?? DEFAULT_TRACES.join(',');
  const out = join(BENCH_DIR, 'out');
  mkdirSync(out, { recursive: true });
  const reports: Report[] = [];
  for (let i = 0; i < n; i++) {
    const json = join(out, `stability-${i}.json`);
    console.error(`[stability] process ${i + 1}/${n}: ${cols.join(', ')} and ${ref} on ${traces.split(',').length} traces (load ${os.loadavg()[0].toFixed(1)})`);
    const r = spawnSync(process.execPath, [
      '--expose-gc', join(BENCH_DIR, '..', '.build', 'bench', 'run.js'), '--traces', traces, '--adapters', [...cols, ref].join(','),
      '--no-native', '--no-hook', '--no-debug', '--no-write', '--rounds', v.rounds ?? '3', '--json', json, '--out', join(out, `stability-${i}.md`),
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      console.error(`[stability] process ${i + 1} failed (exit ${r.status})`);
      return 1;
    }
    reports.push(JSON.parse(readFileSync(json, 'utf8')) as Report);
  }
  const rows: string[][] = [];
  let worst = { x: 0, what: '-' };
  const refSpreads: number[] = [];
  for (const t of reports[0].traces) {
    const per = reports.map((rep) => rep.traces.find((x) => x.name === t.name)!);
    const refNs = per.map((x) => x.cells.find((cell) => cell.column === ref)?.nsPerOp ?? NaN).filter(Number.isFinite);
    if (refNs.length >= 2) {
      // the reference itself: what the machine and V8 do to the same trivial code from process to process
      refSpreads.push(Math.max(...refNs) / Math.min(...refNs));
      rows.push([t.name, `${ref} (reference)`, '-', '-', refNs.map(fmtNs).join(' '), fmtX(refSpreads[refSpreads.length - 1] as number)]);
    }
    for (const c of cols) {
      const ratios = per.map((x) => ratio(x, c, ref).x).filter(Number.isFinite);
      const ns = per.map((x) => x.cells.find((cell) => cell.column === c)?.nsPerOp ?? NaN).filter(Number.isFinite);
      if (ratios.length < 2) continue;
      const spread = Math.max(...ratios) / Math.min(...ratios);
      if (spread > worst.x) worst = { x: spread, what: `${c} on ${t.name}` };
      rows.push([t.name, c, ratios.map(fmtX).join(' '), `**${fmtX(spread)}**`, ns.map(fmtNs).join(' '), fmtX(Math.max(...ns) / Math.min(...ns))]);
    }
  }
  const allSpreads = rows.filter((r) => r[3] !== '-').map((r) => parseFloat(r[3].replace(/\*/g, '')));
  const md = `# Speed from one fresh process to the next\n\n` +
    `Produced by \`npm run bench:stability${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${n} fresh processes, ` +
    `${v.rounds ?? 3} interleaved rounds each; machine ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, Node ${process.version}.\n\n` +
    `Target: the ratio to ${ref} (measured in the same process and rounds) varies by at most ${TARGET}x between processes. ` +
    `**${worst.x <= TARGET ? 'met' : 'not met'}**: worst spread ${fmtX(worst.x)}x (${worst.what}), median spread ` +
    `${fmtX(median(allSpreads))}x. The reference's own ns/op varies between processes by ${fmtX(median(refSpreads))}x on the median trace ` +
    `(worst ${fmtX(Math.max(...refSpreads))}x): the process-to-process noise of this machine and V8 for code that does almost nothing.\n\n` +
    table(['trace', 'column', `ratio to ${ref}, per process`, 'spread', 'ns/op per process', 'ns/op spread'], rows) + '\n';
  console.log(md);
  writeResults(md, 'stability', 'STABILITY.md', v.write);
  return 0;
}

process.exitCode = main();

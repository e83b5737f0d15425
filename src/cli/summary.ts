/**
 * Totals over several replays, and the plain-language account of the flow that `demo`
 * prints under its table.
 */

import type { ReplayResult } from '../trace/replay.js';
import { formatCount, formatNs, formatPercent, wrapText } from './format.js';

/** The account is printed under a wide table, but as prose it reads best in a narrow column. */
const PROSE_WIDTH = 96;

export interface ResultsSummary {
  traces: number;
  ops: number;
  /** Time-weighted: total timed time / total ops, i.e. the mean of ns/op weighted by ops. */
  meanNsPerOp: number;
  /** Plain mean over traces, as the malloc-lab score averages utilization. */
  meanUtilization: number;
  meanExternalFragmentation: number;
  osGrows: number;
  osShrinks: number;
  sbrkCalls: number;
  runsMapped: number;
  runsUnmapped: number;
  reusedAllocs: number;
  grownAllocs: number;
  reuseRatio: number;
  errors: number;
}

export function summarizeResults(results: readonly ReplayResult[]): ResultsSummary {
  const sum = (pick: (r: ReplayResult) => number): number => results.reduce((total, r) => total + pick(r), 0);
  const mean = (pick: (r: ReplayResult) => number): number => (results.length > 0 ? sum(pick) / results.length : Number.NaN);
  const timed = results.filter((r) => Number.isFinite(r.nsPerOp));
  const timedOps = timed.reduce((total, r) => total + r.ops, 0);
  const reusedAllocs = sum((r) => r.reusedAllocs);
  const grownAllocs = sum((r) => r.grownAllocs);
  return {
    traces: results.length,
    ops: sum((r) => r.ops),
    meanNsPerOp: timedOps > 0 ? timed.reduce((total, r) => total + r.nsPerOp * r.ops, 0) / timedOps : Number.NaN,
    meanUtilization: mean((r) => r.utilization),
    meanExternalFragmentation: mean((r) => r.externalFragmentation),
    osGrows: sum((r) => r.osGrows),
    osShrinks: sum((r) => r.osShrinks),
    sbrkCalls: sum((r) => r.sbrkCalls),
    runsMapped: sum((r) => r.runsMapped),
    runsUnmapped: sum((r) => r.runsUnmapped),
    reusedAllocs,
    grownAllocs,
    reuseRatio: reusedAllocs + grownAllocs > 0 ? reusedAllocs / (reusedAllocs + grownAllocs) : 0,
    errors: sum((r) => r.errors),
  };
}

/** A short paragraph: what the allocator did over these traces, in words. */
export function describeFlow(results: readonly ReplayResult[], label: (result: ReplayResult) => string): string {
  const s = summarizeResults(results);
  const lines: string[] = [];
  lines.push(`Over ${s.traces} traces (${formatCount(s.ops)} ops), `
    + `${formatPercent(s.reuseRatio, 0)} of mallocs reused a freed block `
    + `(${formatCount(s.reusedAllocs)}) instead of moving the break up (${formatCount(s.grownAllocs)}).`);
  lines.push(`The backing grew ${times(s.osGrows)} and shrank ${times(s.osShrinks)}; `
    + `the break moved ${times(s.sbrkCalls)}, and ${formatCount(s.runsMapped)} large blocks got page runs of their own `
    + `(${formatCount(s.runsUnmapped)} returned).`);
  lines.push(`At the moment of peak live memory, ${formatPercent(s.meanExternalFragmentation, 0)} of the free bytes `
    + `lay outside the largest free block on average (external fragmentation); `
    + `mean utilization (peak live payload / peak heap size) was ${formatPercent(s.meanUtilization, 0)}.`);
  if (results.length > 1) {
    const byUtilization = [...results].sort((a, b) => a.utilization - b.utilization);
    const worst = byUtilization[0] as ReplayResult;
    const best = byUtilization[byUtilization.length - 1] as ReplayResult;
    lines.push(`Best utilization: ${label(best)} (${formatPercent(best.utilization)}); `
      + `worst: ${label(worst)} (${formatPercent(worst.utilization)}).`);
  }
  if (Number.isFinite(s.meanNsPerOp)) lines.push(`Throughput: ${formatNs(s.meanNsPerOp)} ns per op on average.`);
  if (s.errors > 0) lines.push(`${formatCount(s.errors)} checks failed (listed on stderr).`);
  else if (results.every((r) => r.verified)) lines.push('Every block was checked (alignment, bounds, overlap, content): no errors.');
  return `${lines.map((paragraph) => wrapText(paragraph, PROSE_WIDTH)).join('\n')}\n`;
}

function times(n: number): string {
  return n === 1 ? 'once' : `${formatCount(n)} times`;
}

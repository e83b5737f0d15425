/**
 * `npm run bench:worst` — the worst case of every general-purpose policy, in the machine-independent
 * unit the policies count (AllocatorPolicy.work: one unit per free-list node or block examined and
 * per bin list or bitmap word probed): the most work one operation took and the 99.9th percentile,
 * with utilization, on the adversarial traces of bench/adversarial.ts and on the bundled traces
 * (malloc-lab, the synthetic ones, the real programs). Every replay is verified in full.
 *
 *   npm run bench:worst                  every policy, adversarial + bundled traces; writes bench/out/worst-case.md
 *   npm run bench:worst -- --adversarial only the adversarial traces
 *   npm run bench:worst -- --write       also write bench/WORST-CASE.md
 *
 * A script, not a test: the counts are deterministic, so the figures do not depend on the machine.
 */
import { parseArgs } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ALLOCATOR, generalAllocatorNames } from '../src/index.js';
import { readTrace } from '../src/trace/read-trace.js';
import { replayTrace } from '../src/trace/replay.js';
import type { Trace } from '../src/trace/types.js';
import { adversarialTraces } from './adversarial.js';
import { BENCH_DIR, DEFAULT_TRACE_DIR, ensureTraces, SYNTHETIC, tracePath } from './gen-traces.js';
import { writeResults } from './results-file.js';

/** tlsf's promise (issue #11): no operation does more than this many units of work, on any trace. */
const TLSF_BOUND = 64;

const REPO = resolve(BENCH_DIR, '..');

interface Cell { workMax: number; workP999: number; util: number; errors: number }

async function bundledTraces(): Promise<Trace[]> {
  ensureTraces(DEFAULT_TRACE_DIR, (s) => console.error(`generated ${s}`));
  const paths: string[] = SYNTHETIC.map((n) => tracePath(DEFAULT_TRACE_DIR, n));
  for (const dir of ['malloclab', 'real']) {
    const d = join(REPO, 'traces', dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (/\.rep(\.gz)?$/.test(f)) paths.push(join(d, f));
  }
  const out: Trace[] = [];
  for (const p of paths) {
    const t = await readTrace(p);
    out.push({ ...t, source: p.slice(REPO.length + 1) });
  }
  return out;
}

function measure(trace: Trace, allocator: string): Cell {
  const r = replayTrace(trace, { verify: true, timed: false, heapOptions: { allocator: allocator as never } });
  return { workMax: r.workMax, workP999: r.workP999, util: r.utilization, errors: r.errors };
}

function render(traces: Trace[], policies: string[], cells: Cell[][], title: string): string {
  const head = `| trace | ${policies.join(' | ')} |\n|---|${policies.map(() => '---:').join('|')}|`;
  const rows = traces.map((t, i) => `| ${t.source.replace(/^traces\//, '')} | ` + cells[i].map((c) =>
    c.errors ? `**${c.errors} errors**` : `${c.workMax} / ${c.workP999} · ${(100 * c.util).toFixed(1)}%`).join(' | ') + ' |');
  return `### ${title}\n\nEach cell: the most work units one operation took / the 99.9th percentile · utilization ` +
    `(peak live bytes / peak heap size).\n\n${head}\n${rows.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: {
    adversarial: { type: 'boolean' }, write: { type: 'boolean' }, allocator: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (v.help) {
    console.log('npm run bench:worst -- [--adversarial] [--allocator a,b] [--write]');
    return;
  }
  const policies = v.allocator ? v.allocator.split(',') : generalAllocatorNames();
  const groups: Array<[string, Trace[]]> = [['Adversarial traces (bench/adversarial.ts)', adversarialTraces()]];
  if (!v.adversarial) groups.push(['Bundled traces', await bundledTraces()]);
  const parts: string[] = [];
  const tlsfWorst = { work: 0, trace: '-' };
  for (const [title, traces] of groups) {
    const cells = traces.map((t) => policies.map((p) => {
      const c = measure(t, p);
      console.error(`${t.source} on ${p}: work max ${c.workMax}, p99.9 ${c.workP999}, utilization ${(100 * c.util).toFixed(1)}%` +
        (c.errors ? `, ${c.errors} ERRORS` : ''));
      if (p === 'tlsf' && c.workMax > tlsfWorst.work) Object.assign(tlsfWorst, { work: c.workMax, trace: t.source });
      return c;
    }));
    parts.push(render(traces, policies, cells, title));
  }
  const verdict = policies.includes('tlsf')
    ? `tlsf's bound (at most ${TLSF_BOUND} units per operation on every trace): ${tlsfWorst.work <= TLSF_BOUND ? 'met' : 'NOT met'}, ` +
      `worst ${tlsfWorst.work} (${tlsfWorst.trace}).\n`
    : '';
  const md = `# Worst case per operation, in work units\n\nProduced by \`npm run bench:worst\`; default policy: ${DEFAULT_ALLOCATOR}. ` +
    `Work units are counted by the policies themselves and do not depend on the machine.\n\n${verdict}\n${parts.join('\n')}`;
  console.log(md);
  writeResults(md, 'worst-case', 'WORST-CASE.md', v.write);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

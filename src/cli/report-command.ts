/**
 * `heapflow report TRACE... [--allocator a,b,...] [--backing k,...] [-o report.html]`
 *
 * Writes one self-contained HTML file that replays the traces in the browser with
 * heapflow itself (see src/report/). Every trace is replayed under every allocator x
 * backing; the first combination drives the main views, all of them appear side by side.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { allocatorNames, DEFAULT_ALLOCATOR, type AllocatorName, type BackingKind } from '../index.js';
import type { SessionSpec } from '../report/model/session.js';
import { CHECKPOINTABLE } from '../report/model/checkpoints.js';
import { renderReport, ReportBuildError } from '../report/write-report.js';
import { loadTraces } from './load-traces.js';
import { findPackageRoot } from './package-root.js';
import { EXIT_BAD_INPUT } from './program.js';
import { UsageError } from './usage.js';

export function registerReport(program: Command): void {
  program.command('report')
    .summary('write one self-contained HTML report that replays traces in the browser')
    .description('Write one HTML file (opens offline from disk, no server, no network) holding the traces '
      + '(.rep, .hft, imported logs; gzipped or not) and heapflow itself: the page replays them in the browser and shows the heap map, '
      + 'timelines, fragmentation, step mode, the address x time picture, the configurations side by side, '
      + 'a playground, and for a captured trace its call sites. Every trace is replayed under every allocator x backing given.')
    .argument('<traces...>', 'trace files (.rep, .hft, mtrace/ltrace/malloc_debug logs; .gz too)')
    .option('--allocator <names>', `comma-separated allocators to compare (${allocatorNames().join(', ')}; default ${DEFAULT_ALLOCATOR})`)
    .option('--backing <kinds>', `comma-separated backings (${CHECKPOINTABLE.join(', ')}; default ${DEFAULT_REPORT_BACKING})`)
    .option('--base <bytes>', 'replay every heap from this offset of a WebAssembly memory up, as a Wasm module\'s heap above its data (__heap_base): the pointers are then the recorded program\'s (wasm backing only)')
    .option('-o, --output <file>', 'where to write the report', 'report.html')
    .option('--title <text>', 'the page title')
    .action(async (files: string[], flags: ReportSettings) => {
      try {
        process.stdout.write(`${await writeReport(files, flags)}\n`);
      } catch (error) {
        if (!(error instanceof ReportBuildError)) throw error;
        process.stderr.write(`heapflow: ${error.message}\n`);
        process.exitCode = EXIT_BAD_INPUT;
      }
    });
}

export interface ReportSettings {
  /** Comma-separated allocator names. */
  allocator?: string;
  /** Comma-separated backing kinds. */
  backing?: string;
  /** Where each replayed heap starts in its memory (decimal bytes, a multiple of 8). */
  base?: string;
  /** Where to write (default report.html in the current folder). */
  output?: string;
  title?: string;
}

/** Reads the traces, writes the report and returns its absolute path. */
export async function writeReport(files: readonly string[], settings: ReportSettings): Promise<string> {
  const specs = reportSpecs(settings.allocator, settings.backing, settings.base);
  const traces = await loadTraces(files);
  const html = await renderReport({
    traces: traces.map((trace) => ({ name: trace.source.replace(/^.*[\\/]/, ''), trace })),
    specs,
    title: settings.title,
    pageDir: join(findPackageRoot(), 'dist', 'report'),
  });
  const out = resolve(settings.output ?? 'report.html');
  await writeFile(out, html);
  return out;
}

/** Every allocator x backing named on the command line, each checked by making a heap with it. */
/** The backing a report replays on unless --backing says otherwise. */
export const DEFAULT_REPORT_BACKING: BackingKind = 'wasm';

export function reportSpecs(allocatorList: string | undefined, backingList: string | undefined, baseText?: string): SessionSpec[] {
  const allocators = splitList('--allocator', allocatorList).map(checkAllocator);
  const backings = splitList('--backing', backingList).map((b) => {
    if (!CHECKPOINTABLE.includes(b as BackingKind)) {
      throw new UsageError(`--backing: the report replays on ${CHECKPOINTABLE.join(' or ')} (it must copy and re-attach heaps), got '${b}'`);
    }
    return b as BackingKind;
  });
  // 'wasm' by default: of the two kinds a checkpoint restores into, its views are the faster
  // (a resizable ArrayBuffer's cost about twice as much per op on a real trace)
  const chosenBackings = backings.length > 0 ? backings : [DEFAULT_REPORT_BACKING];
  const base = heapBase(baseText, chosenBackings);
  const chosenAllocators: (AllocatorName | undefined)[] = allocators.length > 0 ? allocators : [undefined];
  const specs: SessionSpec[] = [];
  for (const allocator of chosenAllocators) {
    const name = allocator ?? DEFAULT_ALLOCATOR;
    for (const backing of chosenBackings) {
      specs.push({
        label: chosenBackings.length > 1 ? `${name} on ${backing}` : name,
        backing,
        ...(allocator !== undefined ? { allocator } : {}),
        ...(base !== 0 ? { base } : {}),
      });
    }
  }
  return specs;
}

/** --base: a whole number of bytes, a multiple of 8 below 1 GiB, and only with the wasm backing. */
function heapBase(text: string | undefined, backings: readonly BackingKind[]): number {
  if (text === undefined) return 0;
  const base = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(base < 2 ** 30) || base % 8 !== 0) throw new UsageError(`--base needs a whole number of bytes, a multiple of 8 below 1 GiB, got '${text}'`);
  if (base !== 0 && backings.some((b) => b !== 'wasm')) throw new UsageError('--base: a heap above a base lives in a WebAssembly memory: use it with --backing wasm only');
  return base;
}

function splitList(flag: string, list: string | undefined): string[] {
  if (list === undefined) return [];
  const items = list.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag} needs a comma-separated list without empty names, got '${list}'`);
  return items;
}

function checkAllocator(name: string): AllocatorName {
  const known = allocatorNames().find((a) => a === name);
  if (known === undefined) throw new UsageError(`--allocator: unknown allocator '${name}' (this build has ${allocatorNames().join(', ')})`);
  return known;
}

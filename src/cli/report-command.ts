/**
 * `heapflow report TRACE... [--allocator a,b,...] [--backing k,...] [-o report.html]`
 *
 * Writes one self-contained HTML file that replays the traces in the browser with
 * heapflow itself (see src/report/). Every trace is replayed under every allocator x
 * backing; the first combination drives the main views, all of them appear side by side.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHeap, type BackingKind } from '../index.js';
import type { SessionSpec } from '../report/model/session.js';
import { CHECKPOINTABLE } from '../report/model/checkpoints.js';
import { renderReport } from '../report/write-report.js';
import { loadTraceFiles } from './load-traces.js';
import { findPackageRoot } from './package-root.js';
import { parsingArguments, UsageError } from './usage.js';

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsingArguments(() => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      allocator: { type: 'string' },
      backing: { type: 'string' },
      output: { type: 'string', short: 'o' },
      title: { type: 'string' },
    },
  }));
  if (positionals.length === 0) throw new UsageError('report needs at least one trace file');
  const out = await writeReport(positionals, values);
  process.stdout.write(`${out}\n`);
  return 0;
}

export interface ReportSettings {
  /** Comma-separated allocator names. */
  allocator?: string;
  /** Comma-separated backing kinds. */
  backing?: string;
  /** Where to write (default report.html in the current folder). */
  output?: string;
  title?: string;
}

/** Reads the traces, writes the report and returns its absolute path. */
export async function writeReport(files: readonly string[], settings: ReportSettings): Promise<string> {
  const specs = reportSpecs(settings.allocator, settings.backing);
  const traces = await loadTraceFiles(files);
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
export function reportSpecs(allocatorList: string | undefined, backingList: string | undefined): SessionSpec[] {
  const allocators = splitList('--allocator', allocatorList);
  const backings = splitList('--backing', backingList).map((b) => {
    if (!CHECKPOINTABLE.includes(b as BackingKind)) {
      throw new UsageError(`--backing: the report replays on ${CHECKPOINTABLE.join(' or ')} (it must copy and re-attach heaps), got '${b}'`);
    }
    return b as BackingKind;
  });
  const chosenBackings = backings.length > 0 ? backings : ['resizable' as const];
  const chosenAllocators: (string | undefined)[] = allocators.length > 0 ? allocators : [undefined];
  const specs: SessionSpec[] = [];
  for (const allocator of chosenAllocators) {
    const name = allocator === undefined ? defaultAllocator() : checkAllocator(allocator);
    for (const backing of chosenBackings) {
      specs.push({
        label: chosenBackings.length > 1 ? `${name} on ${backing}` : name,
        backing,
        ...(allocator !== undefined ? { allocator } : {}),
      });
    }
  }
  return specs;
}

function splitList(flag: string, list: string | undefined): string[] {
  if (list === undefined) return [];
  const items = list.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag} needs a comma-separated list without empty names, got '${list}'`);
  return items;
}

function defaultAllocator(): string {
  return heapName(createHeap({ initialSize: 0, maxSize: 65536 }));
}

/** The name a heap made with `allocator` reports; a build that does not know the name fails here. */
function checkAllocator(allocator: string): string {
  let name: string;
  try {
    name = heapName(createHeap({ initialSize: 0, maxSize: 65536, allocator } as Parameters<typeof createHeap>[0]));
  } catch (error) {
    throw new UsageError(`--allocator: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (name !== allocator) throw new UsageError(`--allocator: unknown allocator '${allocator}' (this build has ${defaultAllocator()})`);
  return name;
}

function heapName(heap: ReturnType<typeof createHeap>): string {
  const h = heap as unknown as { allocator?: unknown; policyName: string };
  return typeof h.allocator === 'string' ? h.allocator : h.policyName;
}

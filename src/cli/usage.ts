/** The usage text, and the error that makes the CLI print it and exit 2. */

import type { BackingKind } from '../heap/types.js';

export const USAGE = `heapflow - malloc/free/realloc over an ArrayBuffer, replayed and explained

Usage:
  heapflow replay FILE.rep [FILE.rep ...] [--json] [--backing KIND] [--no-verify] [--samples N] [--debug]
  heapflow report TRACE [TRACE ...] [--allocator A,B,...] [--backing KIND,...] [-o report.html]
  heapflow demo [--backing KIND]
  heapflow help

Commands:
  replay   Replay CS:APP malloc-lab traces (.rep). A first pass checks every block
           (8-byte alignment, inside the heap, no overlap, contents kept by free and
           realloc) and records peak live bytes, heap size, utilization, fragmentation
           and OS-layer calls; timed passes then measure ns per op.
  report   Write one self-contained HTML file (opens offline, no server) that replays
           the traces (.rep or .rep.gz) in the browser with heapflow itself: heap map,
           timeline, fragmentation, step mode, address x time, side by side, playground.
  demo     Replay the bundled malloc-lab traces and explain what the allocator did.
  help     Show this text.

Options:
  --json            One JSON object per trace per line on stdout, nothing else.
  --backing KIND    arraybuffer (default) | resizable | shared | wasm
  --no-verify       Skip the block checks (statistics and timing only).
  --samples N       Timed samples per trace; the median is reported (default 5).
  --debug           Run every heap in debug mode (redzones, quarantine, double/bad free
                    checks; see docs/debugging.md). Slower: ns/op is debug mode's.
  -h, --help        Show this text.

Exit status: 0 all good, 1 a check failed, 2 bad usage or a malformed or missing trace.
`;

export const BACKINGS: readonly BackingKind[] = ['arraybuffer', 'resizable', 'shared', 'wasm'];

/** Bad command line: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Runs a node:util parseArgs call, turning its errors (unknown flag, missing value) into UsageError. */
export function parsingArguments<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function parseBacking(value: string | undefined): BackingKind {
  if (value === undefined) return 'arraybuffer';
  const backing = BACKINGS.find((kind) => kind === value);
  if (backing === undefined) {
    throw new UsageError(`unknown backing '${value}': expected one of ${BACKINGS.join(', ')}`);
  }
  return backing;
}

export function parsePositiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new UsageError(`${flag} needs a whole number >= 1, got '${value}'`);
  return Number(value);
}

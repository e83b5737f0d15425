/**
 * The CLI's vocabulary: the error that makes it print a one-line message with a help hint and
 * exit 2, and the parsers of option values shared by the commands.
 */

import { InvalidArgumentError } from 'commander';
import type { AllocatorName, BackingKind } from '../base/types.js';
import { allocatorNames } from '../policies.js';

export const BACKINGS: readonly BackingKind[] = ['arraybuffer', 'resizable', 'shared', 'wasm'];

/** Bad command line found by a command itself (after parsing): one line on stderr, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Commander argument parser for `--backing KIND`. */
export function parseBacking(value: string): BackingKind {
  const backing = BACKINGS.find((kind) => kind === value);
  if (backing === undefined) throw new InvalidArgumentError(`Expected one of ${BACKINGS.join(', ')}.`);
  return backing;
}

/** Commander argument parser for a count such as `--samples N`: a whole number from 1 to 999,999. */
export function parsePositiveInteger(value: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new InvalidArgumentError('Expected a whole number >= 1.');
  return Number(value);
}

/**
 * Commander argument parser for `--allocator a,b,...`: registered policy names, or `all`
 * (every registered policy; the replay then skips those that cannot serve a trace).
 */
export function parseAllocators(value: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  if (names.length === 1 && names[0] === 'all') return allocatorNames();
  const known = allocatorNames();
  const unknown = names.filter((n) => !known.includes(n as AllocatorName));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`Expected 'all' or a comma-separated list of ${known.join(', ')}${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}.`);
  }
  return [...new Set(names)];
}

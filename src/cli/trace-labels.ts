/**
 * Short names for traces in tables: the file's base name without its extension (and without
 * `.gz`: find.rep.gz is "find"), the path as given only where two would clash.
 */

import { basename } from 'node:path';

/** Returns a labeller over `sources` (the paths as given). */
export function traceLabels(sources: readonly string[]): (source: string) => string {
  const short = (source: string): string => basename(source).replace(/\.gz$/, '').replace(/(.)\.[^.]*$/, '$1');
  const counts = new Map<string, number>();
  for (const source of new Set(sources)) counts.set(short(source), (counts.get(short(source)) ?? 0) + 1);
  return (source) => ((counts.get(short(source)) ?? 0) > 1 ? source : short(source));
}

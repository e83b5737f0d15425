/** Short names for traces in tables: the file's base name without extension, the path only where two would clash. */

import { basename, extname } from 'node:path';

/** Returns a labeller over `sources` (the paths as given). */
export function traceLabels(sources: readonly string[]): (source: string) => string {
  const short = (source: string): string => basename(source, extname(source));
  const counts = new Map<string, number>();
  for (const source of new Set(sources)) counts.set(short(source), (counts.get(short(source)) ?? 0) + 1);
  return (source) => ((counts.get(short(source)) ?? 0) > 1 ? source : short(source));
}

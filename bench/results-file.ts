/**
 * Where a bench script's Markdown goes: always bench/out/<name>.md (the scratch copy, gitignored),
 * and with --write also the committed file in bench/ (e.g. LATENCY.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './gen-traces.js';

export function writeResults(md: string, name: string, committed: string, write: boolean | undefined): void {
  mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
  writeFileSync(join(BENCH_DIR, 'out', `${name}.md`), md);
  if (write) writeFileSync(join(BENCH_DIR, committed), md);
}

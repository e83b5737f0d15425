// Writes what an AllocationRecorder saw as a trace (.hft) and a heapflow report of it: the
// page replays the program's calls under the same policy, with the heap at the same base in
// a WebAssembly memory (`heapflow report --base`), so every block is where the C program had
// it and every pointer is the one it saw.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** Writes PAGE and the trace beside it (PAGE with .hft for .html); returns both paths. */
export function writeProgramReport(recorder, base, page, title = 'the C word counter in WebAssembly, its heap by heapflow') {
  const html = resolve(page);
  const trace = html.replace(/\.html?$/i, '') + '.hft';
  writeFileSync(trace, recorder.text());
  const cli = join(dirname(createRequire(import.meta.url).resolve('heapflow/package.json')), 'dist', 'cli', 'main.js');
  const run = spawnSync(process.execPath, [cli, 'report', trace, '--base', String(base), '--title', title, '-o', html], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`heapflow report failed: ${run.stderr}`);
  return { page: html, trace };
}

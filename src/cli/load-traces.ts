/** Reads and checks every trace before any replay starts, so a bad file fails fast (exit 2). */

import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { checkLiveness } from '../trace/liveness.js';
import { readRep, TraceFileError } from '../trace/read-rep.js';
import { parseRep } from '../trace/rep.js';
import type { Trace } from '../trace/types.js';

export async function loadTraces(paths: readonly string[]): Promise<Trace[]> {
  const traces: Trace[] = [];
  for (const path of paths) {
    const trace = await readRep(path);
    checkLiveness(trace);
    traces.push(trace);
  }
  return traces;
}

/** As loadTraces, and a `.rep.gz` file is gunzipped first. */
export async function loadTraceFiles(paths: readonly string[]): Promise<Trace[]> {
  const traces: Trace[] = [];
  for (const path of paths) {
    if (!path.endsWith('.gz')) {
      traces.push(...await loadTraces([path]));
      continue;
    }
    let text: string;
    try {
      text = gunzipSync(await readFile(path)).toString('latin1');
    } catch (error) {
      throw new TraceFileError(path, error instanceof Error ? error.message : String(error));
    }
    const trace = parseRep(text, path);
    checkLiveness(trace);
    traces.push(trace);
  }
  return traces;
}

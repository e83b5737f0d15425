/** Reads and checks every trace before any replay starts, so a bad file fails fast (exit 2). */

import { checkLiveness } from '../trace/liveness.js';
import { readRep } from '../trace/read-rep.js';
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

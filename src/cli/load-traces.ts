/** Reads and checks every trace before any replay starts, so a bad file fails fast (exit 2). */

import { checkLiveness } from '../trace/liveness.js';
import { readTrace } from '../trace/read-trace.js';
import type { Trace } from '../trace/types.js';

/** Any format readTrace knows (`.rep`, `.hft`, imported logs; gzipped or not), recognised by content. */
export async function loadTraces(paths: readonly string[]): Promise<Trace[]> {
  const traces: Trace[] = [];
  for (const path of paths) {
    const trace = await readTrace(path);
    checkLiveness(trace);
    traces.push(trace);
  }
  return traces;
}

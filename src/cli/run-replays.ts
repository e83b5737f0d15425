/** Replays several traces in turn under one progress bar (stderr, TTY only). */

import { plannedReplayOps, type ReplayOptions, type ReplayResult, replayTrace } from '../trace/replay.js';
import type { Trace } from '../trace/types.js';
import { createProgress } from './progress.js';

export type ReplaySettings = Pick<ReplayOptions, 'backing' | 'verify' | 'samples' | 'heapOptions'>;

/** `onResult` is called as each trace finishes (so JSON lines stream out). */
export function runReplays(
  traces: readonly Trace[],
  settings: ReplaySettings,
  label: (trace: Trace) => string,
  onResult: (result: ReplayResult) => void = () => {},
): ReplayResult[] {
  const planned = traces.map((trace) => plannedReplayOps(trace, settings));
  const progress = createProgress(planned.reduce((a, b) => a + b, 0));
  const results: ReplayResult[] = [];
  let before = 0;
  try {
    traces.forEach((trace, i) => {
      const name = label(trace);
      const result = replayTrace(trace, {
        ...settings,
        onProgress: (done) => progress.update(before + done, name),
      });
      before += planned[i] as number;
      results.push(result);
      onResult(result);
    });
  } finally {
    progress.stop();
  }
  return results;
}

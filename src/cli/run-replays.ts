/** Replays several traces in turn under one progress bar (stderr, TTY only). */

import { plannedReplayOps, type ReplayOptions, type ReplayResult, replayTrace } from '../trace/replay.js';
import type { Trace } from '../trace/types.js';
import { createProgress } from './progress.js';

export type ReplaySettings = Pick<ReplayOptions, 'backing' | 'verify' | 'samples' | 'heapOptions'>;

/**
 * `settings` may differ per trace (by index: the CLI replays one trace under several
 * allocators as several entries). `onResult` is called as each finishes (JSON lines stream out).
 */
export function runReplays(
  traces: readonly Trace[],
  settings: ReplaySettings | ((index: number) => ReplaySettings),
  label: (trace: Trace) => string,
  onResult: (result: ReplayResult) => void = () => {},
): ReplayResult[] {
  const settingsOf = typeof settings === 'function' ? settings : () => settings;
  const planned = traces.map((trace, i) => plannedReplayOps(trace, settingsOf(i)));
  const progress = createProgress(planned.reduce((a, b) => a + b, 0));
  const results: ReplayResult[] = [];
  let before = 0;
  try {
    traces.forEach((trace, i) => {
      const name = label(trace);
      const result = replayTrace(trace, {
        ...settingsOf(i),
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

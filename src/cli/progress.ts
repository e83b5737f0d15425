/**
 * A progress bar on stderr, only when stderr is a terminal and the work is long enough
 * to be worth one: stdout stays clean for tables and JSON lines either way.
 */

import cliProgress from 'cli-progress';

/** Below this many planned ops a replay finishes before a bar would be worth drawing. */
export const PROGRESS_MIN_OPS = 200_000;

export interface Progress {
  /** Absolute position, in ops. */
  update(opsDone: number, label: string): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

export function createProgress(totalOps: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || totalOps <= PROGRESS_MIN_OPS) return SILENT;
  const bar = new cliProgress.SingleBar({
    stream,
    format: 'replaying {bar} {percentage}% | {label} | ETA {eta_formatted}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(totalOps, 0, { label: '' });
  return {
    update(opsDone, label) {
      bar.update(Math.min(opsDone, totalOps), { label });
    },
    stop() {
      bar.stop();
    },
  };
}

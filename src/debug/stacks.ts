/**
 * Call stacks for debug reports, from `new Error().stack`.
 *
 * Capture is cheap-ish and formatting is not: V8 records the frames when the Error
 * is made and only builds the string on first access to `.stack`. So a block keeps
 * the Error itself (a "stack handle") and the text is made only when a report or a
 * leak listing needs it.
 *
 * Trimming: the frames at the top that belong to heapflow's heap and debug code
 * (this folder and src/heap/) are dropped, so a stack starts at the program's call
 * (or at the replay engine, for `heapflow replay --debug`).
 */

export type StackHandle = Error | null;

/** The folders whose frames are trimmed, as they appear in stack lines (file URLs or paths). */
const OWN_DIRS: readonly string[] = ownDirs();
/** The same folders when source maps point frames at the .ts sources. */
const OWN_SOURCE = /[\\/](?:src|dist)[\\/](?:debug|heap)[\\/][\w.-]+\.[cm]?[jt]s:/;
/** Frames captured beyond the requested depth, to make up for the trimmed ones. */
const OWN_FRAMES_SLACK = 8;

function ownDirs(): string[] {
  const dirs: string[] = [];
  try {
    for (const rel of ['./', '../heap/']) {
      const url = new URL(rel, import.meta.url);
      dirs.push(url.href);
      if (url.protocol === 'file:') dirs.push(decodeURIComponent(url.pathname));
    }
  } catch {
    // No usable import.meta.url (an unusual bundler): only OWN_SOURCE trims.
  }
  return dirs;
}

/** Records the current stack, or null when `depth` is 0 (stacks off). */
export function captureStack(depth: number): StackHandle {
  if (depth <= 0) return null;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth + OWN_FRAMES_SLACK;
  const handle = new Error();
  Error.stackTraceLimit = limit;
  return handle;
}

/** The frames of a handle, one "    at ..." line each, heapflow's frames trimmed; '' for none. */
export function formatStack(handle: StackHandle, depth: number): string {
  if (handle === null) return '';
  const text = handle.stack ?? '';
  // V8: "    at fn (url:line:col)" after an "Error" line; SpiderMonkey / JavaScriptCore: "fn@url:line:col".
  const frames = text.split('\n').filter((line) => /^\s+at /.test(line) || /^[^\s]*@/.test(line));
  let first = 0;
  while (first < frames.length && isOwnFrame(frames[first] as string)) first++;
  return frames.slice(first, first + depth)
    .map((line) => (/^\s+at /.test(line) ? `    ${line.trim()}` : `    at ${line.trim()}`)).join('\n');
}

function isOwnFrame(line: string): boolean {
  for (const dir of OWN_DIRS) if (line.includes(dir)) return true;
  return OWN_SOURCE.test(line);
}

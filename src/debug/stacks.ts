/**
 * Call stacks for debug reports.
 *
 * Capture is cheap-ish and formatting is not: V8 records the frames when the stack is
 * captured and only builds the string on first access to `.stack`. So a block keeps the
 * captured object itself (a "stack handle") and the text is made only when a report or a
 * leak listing needs it.
 *
 * Which frames are heapflow's: everything above the public method the program called
 * (`heap.malloc`, `heap.free`, `heap.checked().getInt32`, ...), found by function
 * identity, never by file: once an app is bundled, heapflow and the app share one file.
 *
 *   - Engines with `Error.captureStackTrace(object, fn)` (V8: Node, Chromium; JavaScriptCore)
 *     drop every frame above and including the call of `fn`, so a stack starts at the
 *     program's call (or at the replay engine, for `heapflow replay --debug`).
 *   - Elsewhere, `new Error().stack` is cut through the first frame named after the entry
 *     point (method names survive minification; their owner's name may not).
 */

/** A public method of the heap or its checked accessor: where the program's frames end. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EntryPoint = (...args: any[]) => unknown;

/** A captured stack; formatted on demand. `cut`: the entry point's name, when the engine could not drop its frames. */
export type StackHandle = { readonly stack?: string; readonly cut?: string } | null;

type CaptureStackTrace = (target: object, constructorOpt?: EntryPoint) => void;
const captureStackTrace: CaptureStackTrace | undefined =
  typeof (Error as { captureStackTrace?: unknown }).captureStackTrace === 'function'
    ? (Error as unknown as { captureStackTrace: CaptureStackTrace }).captureStackTrace
    : undefined;

/** Frames captured beyond the requested depth where heapflow's frames are cut after capture. */
const OWN_FRAMES_SLACK = 12;
/** Frames captured when looking for the outermost entry point of a report (see captureCallerStack). */
const SEARCH_DEPTH = 200;

/** Records the stack below the call of `entry`, or null when `depth` is 0 (stacks off). */
export function captureStack(depth: number, entry: EntryPoint): StackHandle {
  if (depth <= 0) return null;
  const limit = Error.stackTraceLimit;
  if (captureStackTrace !== undefined) {
    Error.stackTraceLimit = depth;
    const handle: { stack?: string } = {};
    captureStackTrace(handle, entry);
    Error.stackTraceLimit = limit;
    return handle;
  }
  Error.stackTraceLimit = depth + OWN_FRAMES_SLACK;
  const error = new Error();
  Error.stackTraceLimit = limit;
  return { stack: error.stack, cut: entry.name };
}

/**
 * The stack below the outermost of `entries` on the current stack, formatted: for reports,
 * made inside whichever public method the program called (a free found by check(), an
 * access by getInt32). Costs one capture per entry point: reports only.
 */
export function captureCallerStack(depth: number, entries: readonly EntryPoint[]): string {
  if (depth <= 0) return '';
  const limit = Error.stackTraceLimit;
  try {
    if (captureStackTrace !== undefined) {
      Error.stackTraceLimit = SEARCH_DEPTH;
      let best: string[] | null = null;
      for (const entry of entries) {
        const handle: { stack?: string } = {};
        captureStackTrace(handle, entry);
        const frames = framesOf(handle.stack);
        if (frames.length > 0 && (best === null || frames.length < best.length)) best = frames;
      }
      if (best !== null) return render(best, depth);
    }
    Error.stackTraceLimit = SEARCH_DEPTH;
    const frames = framesOf(new Error().stack);
    const names = new Set(entries.map((e) => e.name));
    let last = -1;
    for (let i = 0; i < frames.length; i++) {
      if (names.has(functionName(frames[i] as string))) last = i;
      else if (last >= 0) break;
    }
    // no entry point on the stack (an exit handler, say): the whole stack, as is
    return render(frames.slice(last + 1), depth);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The frames of a handle, one "    at ..." line each, heapflow's frames cut; '' for none. */
export function formatStack(handle: StackHandle, depth: number): string {
  if (handle === null) return '';
  let frames = framesOf(handle.stack);
  if (handle.cut !== undefined) {
    const at = frames.findIndex((line) => functionName(line) === handle.cut);
    if (at >= 0) frames = frames.slice(at + 1);
  }
  return render(frames, depth);
}

/** V8: "    at fn (url:line:col)" lines after an "Error" line; SpiderMonkey / JavaScriptCore: "fn@url:line:col". */
function framesOf(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter((line) => /^\s+at /.test(line) || /^[^\s]*@/.test(line));
}

function render(frames: readonly string[], depth: number): string {
  return frames.slice(0, depth)
    .map((line) => (/^\s+at /.test(line) ? `    ${line.trim()}` : `    at ${line.trim()}`)).join('\n');
}

/** The function's own name in a frame: "at Heap.malloc (" and "malloc@" both give "malloc". */
function functionName(line: string): string {
  const v8 = /^\s+at (?:async )?(?:new )?([^\s(]+) \(/.exec(line);
  const qualified = v8 !== null ? v8[1] as string : line.slice(0, Math.max(0, line.indexOf('@')));
  const parts = qualified.split(/[./<]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}

/** Every method and accessor of these prototypes: the entry points a program can call. */
export function entryPointsOf(...prototypes: object[]): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const proto of prototypes) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      for (const fn of [d?.value, d?.get, d?.set]) if (typeof fn === 'function' && !out.includes(fn)) out.push(fn as EntryPoint);
    }
  }
  return out;
}

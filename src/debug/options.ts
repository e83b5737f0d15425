/** Debug options: defaults and validation (errors name the option, as createHeap's do). */

import type { DebugOptions, DebugReportShape } from '../base/types.js';

export interface ResolvedDebugOptions {
  redzone: number;
  quarantineSize: number;
  /** 0 when stacks are off. */
  stackDepth: number;
  throws: boolean;
  onReport: ((report: DebugReportShape) => void) | null;
  maxReports: number;
  history: number;
  reallocMoveLimit: number;
  leaksAtExit: false | 'print' | 'fail';
}

export const DEBUG_DEFAULTS = {
  redzone: 16,
  quarantineSize: 4 * 1024 * 1024,
  stackDepth: 12,
  maxReports: 1000,
  history: 4096,
  reallocMoveLimit: 16 * 1024,
};

/** `debug` as given to createHeap: undefined/false for off (returns null), true or an object for on. */
export function resolveDebugOptions(debug: unknown): ResolvedDebugOptions | null {
  if (debug === undefined || debug === false) return null;
  if (debug !== true && (debug === null || typeof debug !== 'object')) {
    throw new TypeError(`createHeap: debug must be true, false or an options object, got ${debug === null ? 'null' : typeof debug}`);
  }
  const o: DebugOptions = debug === true ? {} : debug as DebugOptions;
  const redzone = integer('redzone', o.redzone, DEBUG_DEFAULTS.redzone, 8, 4096);
  if (redzone % 8 !== 0) throw new RangeError(`createHeap: debug.redzone must be a multiple of 8 (payloads stay 8-aligned), got ${redzone}`);
  if (o.stacks !== undefined && typeof o.stacks !== 'boolean') throw new TypeError('createHeap: debug.stacks must be a boolean');
  if (o.onError !== undefined && o.onError !== 'throw' && o.onError !== 'collect') {
    throw new RangeError(`createHeap: debug.onError must be 'throw' or 'collect', got ${JSON.stringify(o.onError)}`);
  }
  if (o.onReport !== undefined && typeof o.onReport !== 'function') throw new TypeError('createHeap: debug.onReport must be a function');
  if (o.leaksAtExit !== undefined && typeof o.leaksAtExit !== 'boolean' && o.leaksAtExit !== 'fail') {
    throw new RangeError(`createHeap: debug.leaksAtExit must be true, false or 'fail', got ${JSON.stringify(o.leaksAtExit)}`);
  }
  const depth = integer('stackDepth', o.stackDepth, DEBUG_DEFAULTS.stackDepth, 1, 200);
  return {
    redzone,
    quarantineSize: integer('quarantineSize', o.quarantineSize, DEBUG_DEFAULTS.quarantineSize, 0, 2 ** 32),
    stackDepth: o.stacks === false ? 0 : depth,
    throws: o.onError !== 'collect',
    onReport: o.onReport ?? null,
    maxReports: integer('maxReports', o.maxReports, DEBUG_DEFAULTS.maxReports, 0, Number.MAX_SAFE_INTEGER),
    history: integer('history', o.history, DEBUG_DEFAULTS.history, 0, 1 << 24),
    reallocMoveLimit: integer('reallocMoveLimit', o.reallocMoveLimit, DEBUG_DEFAULTS.reallocMoveLimit, 0, 2 ** 32),
    leaksAtExit: o.leaksAtExit === 'fail' ? 'fail' : o.leaksAtExit === true ? 'print' : false,
  };
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`createHeap: debug.${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`createHeap: debug.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

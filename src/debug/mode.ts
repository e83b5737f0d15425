/** Debug mode as createHeap takes it (heap/debug-mode.ts): option checking and the DebugHeap subclass. */

import type { DebugMode } from '../heap/debug-mode.js';
import { DebugHeap } from './debug-heap.js';
import { resolveDebugOptions, type ResolvedDebugOptions } from './options.js';

export const debugMode: DebugMode = {
  resolve: resolveDebugOptions,
  create: (policy, os, onOutOfMemory, settings) => new DebugHeap(policy, os, onOutOfMemory, settings as ResolvedDebugOptions),
};

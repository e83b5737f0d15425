/**
 * Leak tracking: the live blocks with their allocation stacks, grouped by stack
 * and sorted by bytes (LeakSanitizer's summary), and the optional report at
 * process exit.
 *
 * Browser-safe: `process` is only reached through globalThis, when it exists.
 */

import type { LeakGroup } from './report.js';

/** One live block: `size` as requested, `stack` its allocation stack ('' when stacks are off). */
export interface LeakRecord {
  ptr: number;
  size: number;
  stack: string;
}

/** Groups leak records by stack: most bytes first, then most blocks, then first allocated. */
export function groupLeaks(leaks: readonly LeakRecord[]): LeakGroup[] {
  const groups = new Map<string, LeakGroup>();
  for (const leak of leaks) {
    let g = groups.get(leak.stack);
    if (g === undefined) groups.set(leak.stack, g = { stack: leak.stack, blocks: 0, bytes: 0, ptrs: [], sizes: [] });
    g.blocks++;
    g.bytes += leak.size;
    g.ptrs.push(leak.ptr);
    g.sizes.push(leak.size);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes || b.blocks - a.blocks);
}

/** What the exit hook needs from a debug heap. */
export interface ExitLeakSource {
  leakTextAtExit(): string | null;
}

interface ProcessLike {
  on(event: 'exit', listener: () => void): unknown;
  stderr?: { write(text: string): unknown };
  exitCode?: number | string | undefined;
}

/** Heaps that asked for a report at exit, held weakly so the hook keeps none of them alive. */
const atExit = new Set<{ ref: WeakRef<ExitLeakSource>; fail: boolean }>();
let hooked = false;

/** Arranges for `source`'s leaks to be printed at process exit (no-op without `process`). */
export function reportLeaksAtExit(source: ExitLeakSource, fail: boolean): boolean {
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (proc === undefined || typeof proc.on !== 'function') return false;
  atExit.add({ ref: new WeakRef(source), fail });
  if (!hooked) {
    hooked = true;
    proc.on('exit', () => {
      for (const entry of atExit) {
        const text = entry.ref.deref()?.leakTextAtExit();
        if (text == null) continue;
        proc.stderr?.write(`${text}\n`);
        if (entry.fail && (proc.exitCode === undefined || proc.exitCode === 0)) proc.exitCode = 1;
      }
    });
  }
  return true;
}

/** The arena's state as the report draws it (heap.internals()): the allocation point and the last mark. */
import type { ArenaInternals } from '../../base/internals.js';
import { Arena } from './layout.js';

export function arenaInternals(t: { readonly u32: Uint32Array; readonly pm: number }): ArenaInternals {
  return { kind: 'arena', policy: 'arena', bump: t.u32[t.pm + Arena.P_BUMP] as number, lastMark: t.u32[t.pm + Arena.P_LAST_MARK] as number };
}

/**
 * Colours by call site, for the heap map and the address x time picture: the trace's top
 * sites (those of the peak-live list first, then those of the allocation-count list) get a
 * colour each, every other site shares one, ops without a known site another. The palette
 * is fixed for the whole trace, so a site keeps its colour as the cursor moves.
 *
 * A live block's site is that of the op that made it: its malloc, or the realloc that last
 * moved or resized it (as in src/trace/call-sites.ts).
 */
import type { CallSiteLists } from '../../trace/call-sites.js';
import { NO_SITE, OP_FREE, type TraceDetail } from '../../trace/types.js';
import type { ReplaySession } from './session.js';
import { colourWord } from './states.js';

/** Distinct hues (Tableau 10 without its grey), one per top site. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
export const OTHER_SITES_COLOUR = '#6b6b6b';
export const UNKNOWN_SITE_COLOUR = '#2b2b2b';
/** Blocks that are not a live allocation (free, top, reserved, metadata) in site mode. */
export const NOT_LIVE_COLOUR = '#e2e2e2';

export interface SiteSwatch {
  /** Index into the site table, or NO_SITE for "no known site", -1 for "every other site". */
  site: number;
  colour: string;
}

export class SitePalette {
  /** The legend, in palette order, ending with the shared entries. */
  readonly swatches: SiteSwatch[];
  private readonly words: Uint32Array;
  private readonly other = colourWord(OTHER_SITES_COLOUR);
  private readonly unknown = colourWord(UNKNOWN_SITE_COLOUR);
  readonly notLive = colourWord(NOT_LIVE_COLOUR);

  constructor(lists: CallSiteLists, siteCount: number) {
    const top: number[] = [];
    for (const figure of [...lists.byPeakLive, ...lists.byCount]) {
      if (figure.site !== NO_SITE && !top.includes(figure.site) && top.length < PALETTE.length) top.push(figure.site);
    }
    this.words = new Uint32Array(siteCount).fill(this.other);
    this.swatches = top.map((site, k) => {
      this.words[site] = colourWord(PALETTE[k] as string);
      return { site, colour: PALETTE[k] as string };
    });
    if (top.length < siteCount) this.swatches.push({ site: -1, colour: OTHER_SITES_COLOUR });
    this.swatches.push({ site: NO_SITE, colour: UNKNOWN_SITE_COLOUR });
  }

  /** The ImageData word of a site index (NO_SITE included). */
  word(site: number): number {
    return site === NO_SITE ? this.unknown : this.words[site] ?? this.other;
  }
}

/** The sites of the blocks live at one op, by pointer: sorted pointers and their sites. */
export class LiveSites {
  constructor(private readonly ptrs: Float64Array, private readonly sites: Uint32Array) {}

  get size(): number { return this.ptrs.length; }

  /** The site index of the live block at `ptr` (NO_SITE included), or undefined when none is live there. */
  siteOf(ptr: number): number | undefined {
    const at = lowerBound(this.ptrs, ptr);
    return this.ptrs[at] === ptr ? this.sites[at] : undefined;
  }
}

/**
 * The site of every block live after `t` ops: one pass over the ops before `t` (only while
 * site colours are on), then a sort of the live pointers. Typed arrays, not a Map: a heap
 * can hold hundreds of thousands of live blocks, and a cursor move must stay quick.
 */
export function liveSites(session: ReplaySession, detail: TraceDetail, t: number): LiveSites {
  const { kinds } = session.trace;
  const { deathOp, resultPtr } = session;
  const isLive = (j: number): boolean => kinds[j] !== OP_FREE && (deathOp[j] as number) >= t && resultPtr[j] !== 0;
  let count = 0;
  for (let j = 0; j < t; j++) if (isLive(j)) count++;
  const ptrs = new Float64Array(count);
  const sites = new Uint32Array(count);
  for (let j = 0, k = 0; j < t; j++) {
    if (!isLive(j)) continue;
    ptrs[k] = resultPtr[j] as number;
    sites[k++] = detail.siteIndex[j] as number;
  }
  // live blocks have distinct pointers: each finds its own place in the sorted copy
  const sorted = ptrs.slice().sort();
  const sortedSites = new Uint32Array(count);
  for (let k = 0; k < count; k++) sortedSites[lowerBound(sorted, ptrs[k] as number)] = sites[k] as number;
  return new LiveSites(sorted, sortedSites);
}

/** The first index of `sorted` whose value is at least `x`. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

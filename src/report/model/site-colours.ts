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

/**
 * The site of every block live after `t` ops, by pointer: a walk over the ops before `t`
 * (one pass, only while site colours are on).
 */
export function liveSites(session: ReplaySession, detail: TraceDetail, t: number): Map<number, number> {
  const sites = new Map<number, number>();
  const { kinds } = session.trace;
  for (let j = 0; j < t; j++) {
    if (kinds[j] === OP_FREE || session.deathOp[j] < t) continue;
    const ptr = session.resultPtr[j] as number;
    if (ptr !== 0) sites.set(ptr, detail.siteIndex[j] as number);
  }
  return sites;
}

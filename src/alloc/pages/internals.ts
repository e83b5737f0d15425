/**
 * The pages policy's structures as the report draws them (heap.internals()): per size
 * class, the pages on its list (every page with a free or never-used block) with their
 * used, free and reserved block counts. Full pages are on no list and not shown.
 * O(pages on lists).
 */
import { LIST_SAMPLE, type PagesInternals } from '../../base/internals.js';
import { Hdr } from '../../os/header.js';
import { CLASS_COUNT, CLASS_SIZE, Pg } from './layout.js';

export interface PagesInternalsTarget {
  readonly u32: Uint32Array;
  readonly hw: number;
  readonly pm: number;
}

export function pagesInternals(t: PagesInternalsTarget): PagesInternals {
  const { u32, pm } = t;
  // a list visits each page once: more steps than slots means a damaged list
  const limit = (u32[t.hw + Hdr.W_BRK] as number) / Pg.SLOT + 1;
  const classes: PagesInternals['classes'] = [];
  for (let c = 0; c < CLASS_COUNT; c++) {
    const pages: PagesInternals['classes'][number]['pages'] = [];
    let count = 0;
    for (let pg = u32[pm + Pg.P_HEADS + c] as number; pg !== 0 && count < limit; pg = u32[(pg >>> 2) + Pg.PH_NEXT] as number) {
      const w = pg >>> 2;
      if (pages.length < LIST_SAMPLE) {
        const capacity = u32[w + Pg.PH_CAP] as number, used = u32[w + Pg.PH_USED] as number, bump = u32[w + Pg.PH_BUMP] as number;
        // the blocks below bump that are not used are exactly the page's free list (an invariant check() verifies)
        pages.push({ offset: pg, capacity, used, free: bump - used, reserved: capacity - bump });
      }
      count++;
    }
    if (count > 0) classes.push({ index: c, blockSize: CLASS_SIZE[c] as number, pages, pageCount: count });
  }
  return { kind: 'pages', policy: 'pages', classes };
}

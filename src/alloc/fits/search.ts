/**
 * The three searches of the textbook fits (Knuth, TAOCP vol. 1, 2.5; Wilson et al., "Dynamic
 * Storage Allocation: A Survey and Critical Review", 1995). Each counts one unit of work per
 * free chunk it examines, with no bound: the count grows with the free list.
 *
 *   first-fit  the first chunk that fits, from the head of the list
 *   next-fit   the first chunk that fits, from where the last search stopped (the rover),
 *              wrapping round once: spreads the splitting over the list
 *   best-fit   the smallest chunk that fits, over the whole list (an exact fit stops early)
 */
import type { OsLayer } from '../../os/os-layer.js';
import type { PolicyFactory } from '../policy.js';
import { FitAllocator } from './fits.js';
import { sizeOf, Fit } from './layout.js';

export const FIRST_FIT_POLICY_ID = 10;
export const NEXT_FIT_POLICY_ID = 11;
export const BEST_FIT_POLICY_ID = 12;

export class FirstFit extends FitAllocator {
  readonly policyId = FIRST_FIT_POLICY_ID;
  readonly name = 'first-fit';

  protected search(csize: number): number {
    const u32 = this.u32;
    const budget = this.listBudget();
    let examined = 1; // the list head
    let c = u32[this.pm + Fit.P_HEAD];
    for (; c !== 0; c = u32[(c + 4) >>> 2]) {
      if (++examined > budget) throw this.listLoops(c);
      if (sizeOf(u32[c >>> 2]) >= csize) break;
    }
    this.work += examined;
    return c;
  }
}

export class NextFit extends FitAllocator {
  readonly policyId = NEXT_FIT_POLICY_ID;
  readonly name = 'next-fit';

  protected search(csize: number): number {
    const u32 = this.u32;
    const head = u32[this.pm + Fit.P_HEAD];
    const rover = u32[this.pm + Fit.P_ROVER];
    const start = rover !== 0 ? rover : head;
    const budget = this.listBudget();
    let examined = 1;
    let found = 0;
    for (let c = start; c !== 0;) {
      if (++examined > budget) throw this.listLoops(c);
      if (sizeOf(u32[c >>> 2]) >= csize) { found = c; break; }
      c = u32[(c + 4) >>> 2];
      if (c === 0) c = head; // wrap round to the head
      if (c === start) break;
    }
    this.work += examined;
    // the search stops here; the rover follows the chunk (or its remainder) off the list
    if (found !== 0) u32[this.pm + Fit.P_ROVER] = found;
    return found;
  }
}

export class BestFit extends FitAllocator {
  readonly policyId = BEST_FIT_POLICY_ID;
  readonly name = 'best-fit';

  protected search(csize: number): number {
    const u32 = this.u32;
    const budget = this.listBudget();
    let examined = 1;
    let best = 0;
    let bestSize = Infinity;
    for (let c = u32[this.pm + Fit.P_HEAD]; c !== 0; c = u32[(c + 4) >>> 2]) {
      if (++examined > budget) throw this.listLoops(c);
      const s = sizeOf(u32[c >>> 2]);
      if (s >= csize && s < bestSize) {
        best = c;
        bestSize = s;
        if (s === csize) break; // nothing fits better
      }
    }
    this.work += examined;
    return best;
  }
}

function factory(policyId: number, name: string, make: (os: OsLayer) => FitAllocator): PolicyFactory {
  return { policyId, name, kind: 'general', metadataBytes: Fit.POLICY_WORDS * 4, create: make };
}

export const firstFitPolicy = factory(FIRST_FIT_POLICY_ID, 'first-fit', (os) => new FirstFit(os));
export const nextFitPolicy = factory(NEXT_FIT_POLICY_ID, 'next-fit', (os) => new NextFit(os));
export const bestFitPolicy = factory(BEST_FIT_POLICY_ID, 'best-fit', (os) => new BestFit(os));

/**
 * A trace assembled op by op, for readers that stream (the `.hft` parser, the importers,
 * the capture decoder). Storage grows with what was really appended — never with a count
 * some header claims — and `build()` trims it to the ops present.
 */

import { type CallSite, NO_SITE, OP_ALLOC, OP_FREE, type OpKind, type Trace, type TraceDetail } from './types.js';

const INITIAL_CAPACITY = 1024;

export interface OpFacts {
  align: number;
  /** Nanoseconds from the first op. */
  time: number;
  thread: number;
  site: number;
}

const NO_FACTS: OpFacts = { align: 0, time: 0, thread: 0, site: NO_SITE };

export class TraceBuilder {
  private capacity = INITIAL_CAPACITY;
  private kinds = new Uint8Array(INITIAL_CAPACITY);
  private ids = new Uint32Array(INITIAL_CAPACITY);
  private sizes = new Float64Array(INITIAL_CAPACITY);
  private aligns = new Uint32Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private threadIndex = new Uint32Array(INITIAL_CAPACITY);
  private siteIndex = new Uint32Array(INITIAL_CAPACITY);
  /** Ops appended so far. */
  length = 0;
  /** One more than the largest id appended so far. */
  idCount = 0;
  readonly threads: number[] = [];
  readonly sites: CallSite[] = [];
  readonly meta: Record<string, string> = {};

  append(kind: OpKind, id: number, size: number, facts: OpFacts = NO_FACTS): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.kinds[i] = kind;
    this.ids[i] = id;
    this.sizes[i] = size;
    this.aligns[i] = kind === OP_ALLOC ? facts.align : 0;
    // Times never go backwards (a log without times, or threads' clocks read out of order).
    this.times[i] = i > 0 && facts.time < (this.times[i - 1] as number) ? this.times[i - 1] as number : facts.time;
    this.threadIndex[i] = facts.thread;
    this.siteIndex[i] = facts.site;
    if (id >= this.idCount) this.idCount = id + 1;
  }

  /** Time of the latest op (0 before the first). */
  lastTime(): number {
    return this.length === 0 ? 0 : this.times[this.length - 1] as number;
  }

  /**
   * The trace. `withDetail`: keep the per-op facts and tables (false for a `.rep`-only
   * source). `suggestedHeapSize` defaults to the peak of live requested bytes.
   */
  build(source: string, withDetail: boolean): Trace {
    const n = this.length;
    const trace: Trace = {
      source,
      suggestedHeapSize: 0,
      idCount: this.idCount,
      weight: 1,
      length: n,
      kinds: this.kinds.slice(0, n),
      ids: this.ids.slice(0, n),
      sizes: this.sizes.slice(0, n),
    };
    trace.suggestedHeapSize = peakLiveBytes(trace);
    if (withDetail) {
      const detail: TraceDetail = {
        aligns: this.aligns.slice(0, n),
        times: this.times.slice(0, n),
        threadIndex: this.threadIndex.slice(0, n),
        siteIndex: this.siteIndex.slice(0, n),
        threads: [...this.threads],
        sites: [...this.sites],
        meta: { ...this.meta },
      };
      trace.detail = detail;
    }
    return trace;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.kinds = grown(this.kinds, new Uint8Array(capacity));
    this.ids = grown(this.ids, new Uint32Array(capacity));
    this.sizes = grown(this.sizes, new Float64Array(capacity));
    this.aligns = grown(this.aligns, new Uint32Array(capacity));
    this.times = grown(this.times, new Float64Array(capacity));
    this.threadIndex = grown(this.threadIndex, new Uint32Array(capacity));
    this.siteIndex = grown(this.siteIndex, new Uint32Array(capacity));
    this.capacity = capacity;
  }
}

function grown<T extends Uint8Array | Uint32Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

/**
 * Highest sum of requested sizes of live ids over the trace (the malloc-lab heap-size hint).
 * Ops on ids that are not live are skipped here; checkLiveness reports them.
 */
export function peakLiveBytes(trace: Trace): number {
  const current = new Float64Array(trace.idCount);
  const live = new Uint8Array(trace.idCount);
  let liveBytes = 0;
  let peak = 0;
  for (let i = 0; i < trace.length; i++) {
    const id = trace.ids[i] as number;
    const size = trace.sizes[i] as number;
    const kind = trace.kinds[i];
    if (kind === OP_ALLOC) {
      if (live[id] === 1) continue;
      live[id] = 1;
      current[id] = size;
      liveBytes += size;
    } else if (live[id] === 1) {
      liveBytes -= current[id] as number;
      if (kind === OP_FREE) {
        live[id] = 0;
        current[id] = 0;
      } else {
        current[id] = size;
        liveBytes += size;
      }
    }
    if (liveBytes > peak) peak = liveBytes;
  }
  return peak;
}

/**
 * Turns a log of addresses into trace ids, as every importer and the capture decoder need:
 * each allocation gets a fresh id (an address reused after a free is a new id), frees and
 * reallocs find the id of their address. What cannot be matched is counted, never dropped
 * silently; the counts go into the trace's metadata (`unknown-frees` and friends).
 */

import { NO_SITE, OP_ALLOC, OP_FREE, OP_REALLOC } from '../types.js';
import type { OpFacts, TraceBuilder } from '../trace-builder.js';
import { AddressMap } from './address-map.js';

/** What an import could not match, by kind; all zero for a complete log. */
export interface ImportAnomalies {
  /** free of an address never returned by an allocation in the log. */
  unknownFrees: number;
  /** realloc of such an address: recorded as a fresh allocation of the new block. */
  unknownReallocs: number;
  /** An allocation returned an address still live in the log: the old block's free was missed, so it is freed here. */
  impliedFrees: number;
  /** Allocations that returned NULL (no op recorded). */
  failedAllocs: number;
}

export const NO_FACTS: OpFacts = { align: 0, time: 0, thread: 0, site: NO_SITE };

export class PointerIds {
  /** Live address → id. */
  private readonly live = new AddressMap();
  private nextId = 0;
  readonly anomalies: ImportAnomalies = { unknownFrees: 0, unknownReallocs: 0, impliedFrees: 0, failedAllocs: 0 };

  constructor(private readonly builder: TraceBuilder) {}

  alloc(addr: number, size: number, facts: OpFacts = NO_FACTS): void {
    if (addr === 0) {
      this.anomalies.failedAllocs++;
      return;
    }
    this.retire(addr, facts);
    const id = this.nextId++;
    this.live.set(addr, id);
    this.builder.append(OP_ALLOC, id, size, facts);
  }

  free(addr: number, facts: OpFacts = NO_FACTS): void {
    if (addr === 0) return; // free(NULL) does nothing
    const id = this.live.delete(addr);
    if (id < 0) {
      this.anomalies.unknownFrees++;
      return;
    }
    this.builder.append(OP_FREE, id, 0, facts);
  }

  /** `result = realloc(old, size)` with C semantics (NULL old: malloc; size 0 and NULL result: free). */
  realloc(old: number, result: number, size: number, facts: OpFacts = NO_FACTS): void {
    if (old === 0) return this.alloc(result, size, facts);
    if (result === 0) {
      if (size === 0) this.free(old, facts);
      else this.anomalies.failedAllocs++; // failed: the old block stays as it was
      return;
    }
    const id = this.live.delete(old);
    if (id < 0) {
      this.anomalies.unknownReallocs++;
      this.alloc(result, size, { ...facts, align: 0 });
      return;
    }
    this.retire(result, facts);
    this.live.set(result, id);
    this.builder.append(OP_REALLOC, id, size, facts);
  }

  /** Copies the non-zero anomaly counts into the trace metadata. */
  recordAnomalies(): void {
    const names: Record<keyof ImportAnomalies, string> = {
      unknownFrees: 'unknown-frees',
      unknownReallocs: 'unknown-reallocs',
      impliedFrees: 'implied-frees',
      failedAllocs: 'failed-allocs',
    };
    for (const key of Object.keys(names) as (keyof ImportAnomalies)[]) {
      if (this.anomalies[key] > 0) this.builder.meta[names[key]] = String(this.anomalies[key]);
    }
  }

  /** An address handed out again while the log still has it live: its free was not logged. */
  private retire(addr: number, facts: OpFacts): void {
    const stale = this.live.delete(addr);
    if (stale < 0) return;
    this.anomalies.impliedFrees++;
    this.builder.append(OP_FREE, stale, 0, facts);
  }
}

/** Parses `0x…` (or plain hex digits with `hex`), `(nil)`, `nil` and `0` as an address; NaN if not one. */
export function parseAddress(token: string): number {
  if (token === '(nil)' || token === 'nil' || token === '0' || token === 'NULL') return 0;
  if (!/^0x[0-9a-fA-F]{1,13}$/.test(token)) return Number.NaN; // 13 hex digits: below 2^52, exact
  return parseInt(token.slice(2), 16);
}

/** Parses a size written in decimal or `0x…` hex; NaN if not one. */
export function parseSize(token: string): number {
  if (/^[0-9]{1,15}$/.test(token)) return Number(token);
  if (/^0x[0-9a-fA-F]{1,12}$/.test(token)) return parseInt(token.slice(2), 16);
  return Number.NaN;
}

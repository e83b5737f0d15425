/**
 * The part of a captured trace's detail the report embeds after the ops (trace-codec.ts):
 * what the page's call-site lists and site colours need, and the alignments.
 *
 *   tables   varint: threads, then each OS thread id; varint: sites, then per site four
 *            strings (pc, module, function, location)
 *   threads  ops varints (thread index)
 *   sites    ops varints (site index + 1; 0 = unknown)
 *   aligns   ops varints
 *
 * Times and metadata are not embedded: the page draws by op, not by time. The decoded
 * detail has every time 0 and no metadata.
 */
import { NO_SITE, type TraceDetail } from '../../trace/types.js';
import type { VarintReader, VarintWriter } from './varints.js';

export function writeDetail(out: VarintWriter, detail: TraceDetail, ops: number): void {
  out.varint(detail.threads.length);
  for (const tid of detail.threads) out.varint(tid);
  out.varint(detail.sites.length);
  for (const site of detail.sites) {
    out.string(site.pc);
    out.string(site.module);
    out.string(site.fn);
    out.string(site.location);
  }
  for (let i = 0; i < ops; i++) out.varint(detail.threadIndex[i] as number);
  for (let i = 0; i < ops; i++) {
    const site = detail.siteIndex[i] as number;
    out.varint(site === NO_SITE ? 0 : site + 1);
  }
  for (let i = 0; i < ops; i++) out.varint(detail.aligns[i] as number);
}

export function readDetail(r: VarintReader, ops: number): TraceDetail {
  const threads: number[] = [];
  for (let k = r.varint(); k > 0; k--) threads.push(r.varint());
  const sites: TraceDetail['sites'] = [];
  for (let k = r.varint(); k > 0; k--) sites.push({ pc: r.string(), module: r.string(), fn: r.string(), location: r.string() });
  const threadIndex = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) threadIndex[i] = r.below(Math.max(1, threads.length), `op ${i}: thread`);
  const siteIndex = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) {
    const site = r.below(sites.length + 1, `op ${i}: site`);
    siteIndex[i] = site === 0 ? NO_SITE : site - 1;
  }
  const aligns = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) aligns[i] = r.below(2 ** 32, `op ${i}: alignment`);
  return { aligns, times: new Float64Array(ops), threadIndex, siteIndex, threads, sites, meta: {} };
}

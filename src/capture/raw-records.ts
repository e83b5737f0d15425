/**
 * Decodes the binary records interpose.c writes (48 bytes each, little-endian; the layout
 * is `struct record` there) into a trace: addresses become ids (PointerIds), return
 * addresses become call-site indices, OS thread ids thread indices. Reads the file in
 * chunks, so memory follows the ops, not the file. A record whose kind is 0 ends the
 * records (the zero tail of a file whose process ended without running its destructors).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { PointerIds } from '../trace/import/pointer-ids.js';
import { ThreadTable } from '../trace/import/site-table.js';
import { TraceBuilder } from '../trace/trace-builder.js';

export const RECORD_BYTES = 48;
const CHUNK_RECORDS = 1 << 14;
const TWO_32 = 2 ** 32;

/** Function names by record kind (enum op_kind in interpose.c). */
export const RECORD_KINDS = ['', 'malloc', 'calloc', 'realloc', 'free', 'posix_memalign', 'aligned_alloc',
  'memalign', 'valloc', 'pvalloc', 'reallocarray'] as const;
const K_REALLOC = 3;
const K_FREE = 4;
const K_REALLOCARRAY = 10;

export interface DecodedRecords {
  builder: TraceBuilder;
  pointers: PointerIds;
  /** Recorded calls by function name. */
  calls: Record<string, number>;
  /** Return address of each call-site index (numbers: user-space addresses are below 2^53). */
  sitePcs: number[];
}

export class RawRecordError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'RawRecordError';
  }
}

export function decodeRecords(path: string): DecodedRecords {
  const builder = new TraceBuilder();
  const pointers = new PointerIds(builder);
  const siteOfPc = new Map<number, number>();
  const threads = new ThreadTable(builder);
  const sitePcs: number[] = [];
  const calls: Record<string, number> = {};
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(CHUNK_RECORDS * RECORD_BYTES);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let firstTime = -1;
  /** Reused for every record: the builder copies the fields. */
  const facts = { align: 0, time: 0, thread: 0, site: 0 };
  let index = 0;
  try {
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, index * RECORD_BYTES);
      const whole = Math.floor(got / RECORD_BYTES);
      let at = 0;
      for (; at < whole; at++) {
        const o = at * RECORD_BYTES;
        const kind = view.getUint8(o + 44);
        if (kind === 0) return { builder, pointers, calls, sitePcs };
        const name = RECORD_KINDS[kind];
        if (name === undefined) throw new RawRecordError(path, `record ${index + at} has unknown kind ${kind}`);
        calls[name] = (calls[name] ?? 0) + 1;
        const time = u64(view, o);
        if (firstTime < 0) firstTime = time;
        const pc = u64(view, o + 32);
        let site = siteOfPc.get(pc);
        if (site === undefined) {
          site = sitePcs.length;
          siteOfPc.set(pc, site);
          sitePcs.push(pc);
          builder.sites.push({ pc: `0x${pc.toString(16)}`, module: '?', fn: '?', location: '?' });
        }
        const alignLog2 = view.getUint8(o + 45);
        facts.align = alignLog2 === 0 ? 0 : 2 ** alignLog2;
        facts.time = time - firstTime;
        facts.thread = threads.intern(view.getUint32(o + 40, true));
        facts.site = site;
        const result = u64(view, o + 8);
        const arg = u64(view, o + 16);
        const size = u64(view, o + 24);
        if (kind === K_FREE) pointers.free(arg, facts);
        else if (kind === K_REALLOC || kind === K_REALLOCARRAY) pointers.realloc(arg, result, size, facts);
        else pointers.alloc(result, size, facts);
      }
      index += whole;
      if (got < buffer.length) break;
    }
  } finally {
    closeSync(fd);
  }
  return { builder, pointers, calls, sitePcs };
}

function u64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * TWO_32;
}

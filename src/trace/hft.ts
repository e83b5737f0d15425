/**
 * The heapflow trace format (`.hft`, usually gzipped as `.hft.gz`): `.rep` ops plus, per op,
 * the alignment, a time, the thread and the call site, and the tables those point into.
 * Line-oriented text, so it streams and gzips well (traces/README.md has the full grammar):
 *
 *   hft 1                                   line 1: magic and version
 *   m <key> <value…>                        metadata (value: rest of the line)
 *   t <thread> <os-tid>                     thread table, indices dense from 0 in order
 *   s <site> <pc> <module> <location> <function…>   call-site table, dense from 0 in order
 *   a <id> <size> [<align> <dt> <thread> <site>]
 *   f <id> [<dt> <thread> <site>]
 *   r <id> <size> [<dt> <thread> <site>]
 *
 * `dt` is nanoseconds since the previous op; `site` is `-` when unknown. Threads and sites
 * are declared before an op names them. Ids are introduced in order: an `a` names an id
 * already seen (after its free) or the next new one — so the id table a replay needs is
 * bounded by the ops really present. Liveness is checked later (checkLiveness), as for `.rep`.
 *
 * Browser-safe: lines in, trace out; reading files lives in read-trace.ts.
 */

import { TraceBuilder } from './trace-builder.js';
import { type CallSite, NO_SITE, OP_ALLOC, OP_FREE, OP_REALLOC, type OpKind, type Trace, TraceFormatError } from './types.js';

export const HFT_MAGIC = 'hft 1';

const NUMBER = /^[0-9]{1,15}$/;
const HEX = /^0x[0-9a-f]{1,16}$|^\?$/;

/** Feeds `.hft` lines one at a time (without their line terminator); `finish()` gives the trace. */
export class HftParser {
  private readonly builder = new TraceBuilder();
  private line = 0;
  private time = 0;

  constructor(private readonly source: string) {}

  push(text: string): void {
    this.line++;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (this.line === 1) {
      if (line !== HFT_MAGIC) this.fail(`expected '${HFT_MAGIC}' on the first line, got '${clip(line)}'`);
      return;
    }
    const tokens = line.split(' ');
    switch (tokens[0]) {
      case 'a': this.op(OP_ALLOC, tokens, line); break;
      case 'f': this.op(OP_FREE, tokens, line); break;
      case 'r': this.op(OP_REALLOC, tokens, line); break;
      case 'm': this.metadata(tokens, line); break;
      case 't': this.threadEntry(tokens, line); break;
      case 's': this.siteEntry(tokens, line); break;
      default:
        this.fail(line.length === 0 ? 'unexpected empty line'
          : `unknown line '${clip(line)}': expected an op (a, f, r) or a table line (m, t, s)`);
    }
  }

  finish(): Trace {
    if (this.line === 0) throw new TraceFormatError(this.source, 1, `empty file: expected '${HFT_MAGIC}'`);
    return this.builder.build(this.source, true);
  }

  private op(kind: OpKind, tokens: string[], line: string): void {
    const base = kind === OP_FREE ? 2 : 3;
    const extra = kind === OP_ALLOC ? 4 : 3;
    if (tokens.length !== base && tokens.length !== base + extra) {
      this.fail(`expected '${OP_SHAPES[kind]}', got '${clip(line)}'`);
    }
    const id = this.number(tokens[1], 'id', line);
    const size = kind === OP_FREE ? 0 : this.number(tokens[2], 'size', line);
    const b = this.builder;
    if (kind === OP_ALLOC ? id > b.idCount : id >= b.idCount) {
      this.fail(kind === OP_ALLOC
        ? `id ${id} skips ahead: ids are introduced in order, the next new id is ${b.idCount}`
        : `'${clip(line)}' on id ${id}, which was never allocated`);
    }
    if (tokens.length === base) {
      b.append(kind, id, size, { align: 0, time: this.time, thread: 0, site: NO_SITE });
      return;
    }
    let k = base;
    const align = kind === OP_ALLOC ? this.number(tokens[k++], 'align', line) : 0;
    if (align !== 0 && (align & (align - 1)) !== 0) this.fail(`align ${align} is not a power of two`);
    this.time += this.number(tokens[k++], 'dt', line);
    const thread = this.number(tokens[k++], 'thread', line);
    if (thread >= b.threads.length && !(thread === 0 && b.threads.length === 0)) {
      this.fail(`thread ${thread} was not declared by a 't' line`);
    }
    const siteToken = tokens[k] as string;
    const site = siteToken === '-' ? NO_SITE : this.number(siteToken, 'site', line);
    if (site !== NO_SITE && site >= b.sites.length) this.fail(`site ${site} was not declared by an 's' line`);
    b.append(kind, id, size, { align, time: this.time, thread, site });
  }

  private metadata(tokens: string[], line: string): void {
    if (tokens.length < 2 || tokens[1] === '') this.fail(`expected 'm <key> <value>', got '${clip(line)}'`);
    this.builder.meta[tokens[1] as string] = tokens.slice(2).join(' ');
  }

  private threadEntry(tokens: string[], line: string): void {
    if (tokens.length !== 3) this.fail(`expected 't <thread> <os-tid>', got '${clip(line)}'`);
    const index = this.number(tokens[1], 'thread', line);
    const threads = this.builder.threads;
    if (index !== threads.length) this.fail(`thread ${index} out of order: the next thread is ${threads.length}`);
    threads.push(this.number(tokens[2], 'os-tid', line));
  }

  private siteEntry(tokens: string[], line: string): void {
    if (tokens.length < 6) this.fail(`expected 's <site> <pc> <module> <location> <function>', got '${clip(line)}'`);
    const index = this.number(tokens[1], 'site', line);
    const sites = this.builder.sites;
    if (index !== sites.length) this.fail(`site ${index} out of order: the next site is ${sites.length}`);
    const pc = tokens[2] as string;
    if (!HEX.test(pc)) this.fail(`pc must be lower-case hex like 0x4005d4 or '?', got '${clip(pc)}'`);
    sites.push({
      pc,
      module: unescapeField(tokens[3] as string),
      location: unescapeField(tokens[4] as string),
      fn: unescapeField(tokens.slice(5).join(' ')),
    });
  }

  private number(token: string | undefined, field: string, line: string): number {
    if (token === undefined || !NUMBER.test(token)) {
      this.fail(`${field} must be an integer >= 0, got '${clip(token ?? '')}' in '${clip(line)}'`);
    }
    return Number(token);
  }

  private fail(detail: string): never {
    throw new TraceFormatError(this.source, this.line, detail);
  }
}

/** Parses a whole `.hft` text (tests, small inputs; files are streamed by read-trace.ts). */
export function parseHft(text: string, source: string): Trace {
  const parser = new HftParser(source);
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) parser.push(line);
  return parser.finish();
}

const OP_SHAPES: Record<OpKind, string> = {
  [OP_ALLOC]: 'a <id> <size> [<align> <dt> <thread> <site>]',
  [OP_FREE]: 'f <id> [<dt> <thread> <site>]',
  [OP_REALLOC]: 'r <id> <size> [<dt> <thread> <site>]',
};

/** Lines are joined into pieces of about this many characters before they are yielded. */
const CHUNK_CHARS = 1 << 16;

/**
 * The `.hft` text of a trace, in pieces (each ending in `\n`) for a streaming writer.
 * A trace without detail (a `.rep`) is written with the short op forms.
 */
export function* formatHft(trace: Trace): Generator<string> {
  const detail = trace.detail;
  let out = `${HFT_MAGIC}\n`;
  if (detail !== undefined) {
    for (const [key, value] of Object.entries(detail.meta)) out += `m ${key} ${value.replace(/\n/g, ' ')}\n`;
    detail.threads.forEach((tid, i) => { out += `t ${i} ${tid}\n`; });
    detail.sites.forEach((site, i) => { out += `s ${i} ${formatSite(site)}\n`; });
  }
  const { kinds, ids, sizes } = trace;
  let previous = 0;
  for (let i = 0; i < trace.length; i++) {
    const kind = kinds[i];
    let line = kind === OP_ALLOC ? `a ${ids[i]} ${sizes[i]}` : kind === OP_FREE ? `f ${ids[i]}` : `r ${ids[i]} ${sizes[i]}`;
    if (detail !== undefined) {
      const time = detail.times[i] as number;
      const site = detail.siteIndex[i] as number;
      if (kind === OP_ALLOC) line += ` ${detail.aligns[i]}`;
      line += ` ${time - previous} ${detail.threadIndex[i]} ${site === NO_SITE ? '-' : site}`;
      previous = time;
    }
    out += `${line}\n`;
    if (out.length >= CHUNK_CHARS) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}

function formatSite(site: CallSite): string {
  return `${site.pc} ${escapeField(site.module)} ${escapeField(site.location)} ${escapeField(site.fn, true)}`;
}

/** Spaces (except in the last field), newlines and '%' are percent-escaped so a line stays one line. */
function escapeField(text: string, last = false): string {
  const escaped = text.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D');
  const spaced = last ? escaped : escaped.replace(/ /g, '%20');
  return spaced.length === 0 ? '?' : spaced;
}

function unescapeField(text: string): string {
  return text.replace(/%(20|25|0A|0D)/g, (_, code: string) => String.fromCharCode(parseInt(code, 16)));
}

function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

/**
 * `ltrace -e malloc+free+calloc+realloc …` output (also what villoc reads). A line is
 *
 *   [[pid N] ][TIME ][[0xPC] ][LIB->]FUNC(ARGS) = RESULT[ <SECONDS>]
 *
 * with `FUNC(ARGS <unfinished ...>` / `<... FUNC resumed> REST) = RESULT` when another
 * thread's call came in between (matched per pid), and `+++ exited …` / `--- SIGNAL …` lines
 * (skipped). Calls of other functions are skipped too: ltrace may have been told to trace
 * more. NULL is `nil` (or `0`). posix_memalign's result goes through memory ltrace does
 * not show, so those calls are counted as `posix-memalign-skipped`.
 */

import { TraceBuilder } from '../trace-builder.js';
import { NO_SITE, type Trace, TraceFormatError } from '../types.js';
import { clip, type LineParser } from './line-parser.js';
import { parseAddress, parseSize, PointerIds } from './pointer-ids.js';
import { SiteTable, ThreadTable } from './site-table.js';

const PREFIX = String.raw`(?:\[pid (\d+)\] )?(?:(\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+|\d+) )?(?:\[(0x[0-9a-f]+)\] )?`;
const CALL = new RegExp(`^${PREFIX}(?:[^\\s(]+->)?(\\w+)\\((.*)\\)\\s*= (\\S+)(?: <[\\d.]+>)?$`);
const UNFINISHED = new RegExp(`^${PREFIX}(?:[^\\s(]+->)?(\\w+)\\((.*) <unfinished \\.\\.\\.>$`);
const RESUMED = new RegExp(`^${PREFIX}<\\.\\.\\. (\\w+) resumed> ?(.*)\\)\\s*= (\\S+)(?: <[\\d.]+>)?$`);
const NOTICE = new RegExp(`^${PREFIX}(?:\\+\\+\\+|---) `);

const ARITY: Record<string, number> = {
  malloc: 1, free: 1, calloc: 2, realloc: 2, reallocarray: 3, memalign: 2, aligned_alloc: 2, valloc: 1, pvalloc: 1,
  posix_memalign: 3,
};

interface Call { pid: number; time: number; pc: string | undefined; fn: string; args: string[]; result: string }

export class LtraceParser implements LineParser {
  private readonly builder = new TraceBuilder();
  private readonly pointers = new PointerIds(this.builder);
  private readonly sites = new SiteTable(this.builder);
  private readonly threads = new ThreadTable(this.builder);
  /** Calls left `<unfinished ...>`, by pid. */
  private readonly pending = new Map<number, { fn: string; args: string; time: number; pc: string | undefined; line: number }>();
  private line = 0;
  private skippedPosixMemalign = 0;

  constructor(private readonly source: string) {
    this.builder.meta.format = 'ltrace';
  }

  push(text: string): void {
    this.line++;
    const trimmed = text.trimEnd();
    if (trimmed.length === 0 || NOTICE.test(trimmed)) return;
    let m = CALL.exec(trimmed);
    if (m !== null) return this.call({ ...this.head(m), fn: m[4] as string, args: splitArgs(m[5] as string), result: m[6] as string }, trimmed);
    m = UNFINISHED.exec(trimmed);
    if (m !== null) {
      const { pid, time, pc } = this.head(m);
      this.pending.set(pid, { fn: m[4] as string, args: m[5] as string, time, pc, line: this.line });
      return;
    }
    m = RESUMED.exec(trimmed);
    if (m !== null) {
      const { pid } = this.head(m);
      const start = this.pending.get(pid);
      if (start === undefined || start.fn !== m[4]) this.fail(`'${clip(trimmed)}' resumes a call that was not left unfinished`);
      this.pending.delete(pid);
      const args = splitArgs(`${start.args}${m[5] as string}`);
      return this.call({ pid, time: start.time, pc: start.pc, fn: start.fn, args, result: m[6] as string }, trimmed);
    }
    this.fail(`expected an ltrace line like 'malloc(16) = 0x55d0c3f6b2a0', got '${clip(trimmed)}'`);
  }

  finish(): Trace {
    this.pointers.recordAnomalies();
    if (this.skippedPosixMemalign > 0) this.builder.meta['posix-memalign-skipped'] = String(this.skippedPosixMemalign);
    if (this.pending.size > 0) this.builder.meta['unfinished-calls'] = String(this.pending.size);
    return this.builder.build(this.source, true);
  }

  private head(m: RegExpExecArray): { pid: number; time: number; pc: string | undefined } {
    return { pid: m[1] === undefined ? 0 : Number(m[1]), time: parseTime(m[2]), pc: m[3] };
  }

  private call(call: Call, text: string): void {
    const arity = ARITY[call.fn];
    if (arity === undefined) return; // another traced function
    if (call.args.length !== arity) this.fail(`${call.fn} takes ${arity} argument(s), got ${call.args.length} in '${clip(text)}'`);
    const site = call.pc === undefined ? NO_SITE
      : this.sites.intern(call.pc, () => ({ pc: call.pc as string, module: '?', fn: '?', location: '?' }));
    const facts = { align: 0, time: call.time, thread: this.threads.intern(call.pid), site };
    const a = call.args;
    const p = this.pointers;
    switch (call.fn) {
      case 'free': return p.free(this.address(a[0], text), facts);
      case 'malloc': case 'valloc': case 'pvalloc':
        return p.alloc(this.address(call.result, text), this.size(a[0], text), call.fn === 'malloc' ? facts : { ...facts, align: 4096 });
      case 'calloc': return p.alloc(this.address(call.result, text), this.size(a[0], text) * this.size(a[1], text), facts);
      case 'realloc': return p.realloc(this.address(a[0], text), this.address(call.result, text), this.size(a[1], text), facts);
      case 'reallocarray':
        return p.realloc(this.address(a[0], text), this.address(call.result, text), this.size(a[1], text) * this.size(a[2], text), facts);
      case 'memalign': case 'aligned_alloc':
        return p.alloc(this.address(call.result, text), this.size(a[1], text), { ...facts, align: this.size(a[0], text) });
      default: this.skippedPosixMemalign++;
    }
  }

  private address(token: string | undefined, text: string): number {
    const addr = parseAddress(token ?? '');
    if (Number.isNaN(addr)) this.fail(`expected a pointer (0x… or nil), got '${clip(token ?? '')}' in '${clip(text)}'`);
    return addr;
  }

  private size(token: string | undefined, text: string): number {
    const size = parseSize(token ?? '');
    if (Number.isNaN(size)) this.fail(`expected a size, got '${clip(token ?? '')}' in '${clip(text)}'`);
    return size;
  }

  private fail(detail: string): never {
    throw new TraceFormatError(this.source, this.line, detail);
  }
}

function splitArgs(args: string): string[] {
  const trimmed = args.trim();
  return trimmed.length === 0 ? [] : trimmed.split(/,\s*/);
}

/** ltrace -t/-tt/-ttt/-r times as nanoseconds (0 when absent). */
function parseTime(token: string | undefined): number {
  if (token === undefined) return 0;
  const clock = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(token);
  if (clock !== null) {
    const fraction = clock[4] === undefined ? 0 : Number(`0.${clock[4]}`);
    return Math.round(((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3]) + fraction) * 1e9);
  }
  return Math.round(Number(token) * 1e9);
}

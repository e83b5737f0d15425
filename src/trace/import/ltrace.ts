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

import { NO_SITE, type Trace } from '../types.js';
import { clip, LogParser } from './line-parser.js';
import { SiteTable, ThreadTable } from './site-table.js';

// The pid is `[pid N] ` on a terminal and a bare `N ` with -o FILE; times have a ':' or a '.'.
const PREFIX = String.raw`(?:\[pid (\d+)\] |(\d+) )?(?:(\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+) )?(?:\[(0x[0-9a-f]+)\] )?`;
/** Index of the first group after PREFIX's four (bracketed pid, bare pid, time, pc). */
const G = 5;
const CALL = new RegExp(`^${PREFIX}(?:[^\\s(]+->)?(\\w+)\\((.*)\\)\\s*= (\\S+)(?: <[\\d.]+>)?$`);
// `<no return ...>`: ltrace's guess that the call will not return; it may still be resumed.
const UNFINISHED = new RegExp(`^${PREFIX}(?:[^\\s(]+->)?(\\w+)\\((.*) <(?:unfinished|no return) \\.\\.\\.>$`);
const RESUMED = new RegExp(`^${PREFIX}<\\.\\.\\. (\\w+) resumed> ?(.*)\\)\\s*= (\\S+)(?: <[\\d.]+>)?$`);
const NOTICE = new RegExp(`^${PREFIX}(?:\\+\\+\\+ |--- |unexpected breakpoint at )`);

const ARITY: Record<string, number> = {
  malloc: 1, free: 1, calloc: 2, realloc: 2, reallocarray: 3, memalign: 2, aligned_alloc: 2, valloc: 1, pvalloc: 1,
  posix_memalign: 3,
};

/** Which arguments are sizes or counts, per function. */
const SIZE_ARGS: Record<string, number[]> = {
  malloc: [0], free: [], calloc: [0, 1], realloc: [1], reallocarray: [1, 2], memalign: [0, 1], aligned_alloc: [0, 1],
  valloc: [0], pvalloc: [0], posix_memalign: [1, 2],
};
/** No request can be larger than a 47-bit user address space. */
const MAX_PLAUSIBLE = 2 ** 47;

function implausible(token: string | undefined): boolean {
  if (token === undefined || !/^[0-9]+$/.test(token)) return false; // malformed: reported by size()
  return token.length > 15 || Number(token) > MAX_PLAUSIBLE;
}

interface Call { pid: number; time: number; pc: string | undefined; fn: string; args: string[]; result: string }

export class LtraceParser extends LogParser {
  private readonly sites = new SiteTable(this.builder);
  private readonly threads = new ThreadTable(this.builder);
  /** Calls left `<unfinished ...>`, by pid. */
  private readonly pending = new Map<number, { fn: string; args: string; time: number; pc: string | undefined; line: number }>();
  private skippedPosixMemalign = 0;
  private implausible = 0;

  constructor(source: string) {
    super(source, 'ltrace');
  }

  push(text: string): void {
    this.line++;
    const trimmed = text.trimEnd();
    if (trimmed.length === 0 || NOTICE.test(trimmed)) return;
    let m = CALL.exec(trimmed);
    if (m !== null) return this.call({ ...this.head(m), fn: m[G] as string, args: splitArgs(m[G + 1] as string), result: m[G + 2] as string }, trimmed);
    m = UNFINISHED.exec(trimmed);
    if (m !== null) {
      const { pid, time, pc } = this.head(m);
      const fn = m[G] as string;
      const args = m[G + 1] as string;
      // A free takes effect when it starts: another thread may be handed the block before the
      // `resumed` line, and that allocation must not find the address still live.
      if (fn === 'free') this.call({ pid, time, pc, fn, args: splitArgs(args), result: '<void>' }, trimmed);
      this.pending.set(pid, { fn, args, time, pc, line: this.line });
      return;
    }
    m = RESUMED.exec(trimmed);
    if (m !== null) {
      const { pid } = this.head(m);
      const start = this.pending.get(pid);
      if (start === undefined || start.fn !== m[G]) this.fail(`'${clip(trimmed)}' resumes a call that was not left unfinished`);
      this.pending.delete(pid);
      if (start.fn === 'free') return; // done when it started
      const args = splitArgs(`${start.args}${m[G + 1] as string}`);
      return this.call({ pid, time: start.time, pc: start.pc, fn: start.fn, args, result: m[G + 2] as string }, trimmed);
    }
    this.fail(`expected an ltrace line like 'malloc(16) = 0x55d0c3f6b2a0', got '${clip(trimmed)}'`);
  }

  override finish(): Trace {
    if (this.skippedPosixMemalign > 0) this.builder.meta['posix-memalign-skipped'] = String(this.skippedPosixMemalign);
    if (this.pending.size > 0) this.builder.meta['unfinished-calls'] = String(this.pending.size);
    if (this.implausible > 0) this.builder.meta['implausible-calls'] = String(this.implausible);
    return super.finish();
  }

  private head(m: RegExpExecArray): { pid: number; time: number; pc: string | undefined } {
    const pid = m[1] ?? m[2];
    return { pid: pid === undefined ? 0 : Number(pid), time: parseTime(m[3]), pc: m[4] };
  }

  private call(call: Call, text: string): void {
    const arity = ARITY[call.fn];
    if (arity === undefined) return; // another traced function
    // ltrace shows functions it has no prototype for with extra guessed arguments: ignore those.
    if (call.args.length < arity) this.fail(`${call.fn} takes ${arity} argument(s), got ${call.args.length} in '${clip(text)}'`);
    const sizes = SIZE_ARGS[call.fn]!;
    const product = call.fn === 'calloc' || call.fn === 'reallocarray'
      ? Number(call.args[sizes[0]!]) * Number(call.args[sizes[1]!]) : 0;
    if (sizes.some((k) => implausible(call.args[k])) || product > MAX_PLAUSIBLE) {
      // ltrace sometimes names a call libc makes internally after the wrong function
      // (reallocarray's realloc shown as `libc.so.6->calloc(PTR, SIZE)`): a size no process can
      // have means the line is not what it says.
      this.implausible++;
      return;
    }
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

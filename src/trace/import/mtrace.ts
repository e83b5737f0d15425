/**
 * glibc's `mtrace` log (`LD_PRELOAD=libc_malloc_debug.so MALLOC_TRACE=FILE`, or a program
 * calling mtrace()). Each line is an optional caller (`@ WHERE `) and one of:
 *
 *   + ADDR SIZE     malloc/calloc/memalign/realloc(NULL, …) returned ADDR
 *   - ADDR          free(ADDR) (also realloc(ADDR, 0))
 *   < OLD           realloc(OLD, …) … the next op line must be its pair:
 *   > NEW SIZE      … which returned NEW: one `r` op
 *   ! OLD SIZE      realloc(OLD, SIZE) failed (no op)
 *   = Start / = End markers
 *
 * WHERE is `FILE:[0xPC]` or `FILE:(SYMBOL+0xOFF)[0xPC]`; it becomes the op's call site.
 */

import { NO_SITE, type Trace, TraceFormatError } from '../types.js';
import { clip, LogParser } from './line-parser.js';
import { SiteTable } from './site-table.js';

const LINE = /^(?:@ (.*?\[(0x[0-9a-fA-F]+)\]) )?([-+<>!]) (\S+)(?: (\S+))?$/;

export class MtraceParser extends LogParser {
  private readonly sites = new SiteTable(this.builder);
  /** A `<` waiting for its `>`: the old address and the line it was on. */
  private pendingOld: { addr: number; line: number } | undefined;

  constructor(source: string) {
    super(source, 'mtrace');
  }

  push(text: string): void {
    this.line++;
    if (text.length === 0 || text.startsWith('= ')) return this.expectNoPending(text);
    const match = LINE.exec(text);
    if (match === null) this.fail(`expected an mtrace line ('@ caller + 0xADDR 0xSIZE', '- 0xADDR', '< 0xOLD', '> 0xNEW 0xSIZE'), got '${clip(text)}'`);
    const [, where, pc, op, addrToken, sizeToken] = match;
    const site = this.sites.intern(where, () => describeWhere(where as string, pc as string));
    const facts = { align: 0, time: 0, thread: 0, site: site ?? NO_SITE };
    const addr = this.address(addrToken, text);
    const wantsSize = op === '+' || op === '>' || op === '!';
    if (wantsSize !== (sizeToken !== undefined)) this.fail(`'${op}' ${wantsSize ? 'needs' : 'takes no'} size in '${clip(text)}'`);
    const size = wantsSize ? this.size(sizeToken, text, 'a size like 0x40') : 0;
    if (op === '>') {
      if (this.pendingOld === undefined) this.fail(`'>' without the '<' line of its realloc before it`);
      this.pointers.realloc(this.pendingOld.addr, addr, size, facts);
      this.pendingOld = undefined;
      return;
    }
    this.expectNoPending(text);
    if (op === '+') this.pointers.alloc(addr, size, facts);
    else if (op === '-') this.pointers.free(addr, facts);
    else if (op === '<') this.pendingOld = { addr, line: this.line };
    else this.pointers.anomalies.failedAllocs++; // '!': a failed realloc leaves the old block alone
  }

  override finish(): Trace {
    if (this.pendingOld !== undefined) {
      throw new TraceFormatError(this.source, this.pendingOld.line, `realloc '<' line without its '>' line`);
    }
    return super.finish();
  }

  private expectNoPending(text: string): void {
    if (this.pendingOld !== undefined) {
      this.fail(`expected the '>' line of the realloc on line ${this.pendingOld.line}, got '${clip(text)}'`);
    }
  }



}

/** `FILE:(SYMBOL+0xOFF)[0xPC]` or `FILE:[0xPC]` as a call site. */
function describeWhere(where: string, pc: string): { pc: string; module: string; fn: string; location: string } {
  const symbol = /:\(([^+)]*)(\+0x[0-9a-fA-F]+)?\)\[/.exec(where);
  const colon = where.lastIndexOf(':', where.indexOf('['));
  const module = colon > 0 ? where.slice(0, colon) : '?';
  return {
    pc: pc.toLowerCase(),
    module: symbol?.[2] !== undefined ? `${module}+${symbol[2].slice(1)}` : module,
    fn: symbol?.[1] !== undefined && symbol[1] !== '' ? symbol[1] : '?',
    location: '?',
  };
}

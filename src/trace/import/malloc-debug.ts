/**
 * Android malloc_debug's `record_allocs` text (also the memory_replay dumps):
 *
 *   TID: malloc PTR SIZE
 *   TID: calloc PTR NMEMB SIZE
 *   TID: memalign PTR ALIGNMENT SIZE       (memalign and posix_memalign)
 *   TID: realloc NEW_PTR OLD_PTR SIZE      (OLD_PTR 0x0 for realloc(NULL, …))
 *   TID: free PTR
 *   TID: thread_done 0x0
 *
 * Newer Android versions append the call's start and end times in nanoseconds to every
 * line; the start becomes the op's time.
 */

import { NO_SITE } from '../types.js';
import { clip, LogParser } from './line-parser.js';
import { ThreadTable } from './site-table.js';

const LINE = /^(\d+): (\w+) (.*)$/;
const ARGS: Record<string, number> = { malloc: 2, calloc: 3, memalign: 3, realloc: 3, free: 1, thread_done: 1 };

export class MallocDebugParser extends LogParser {
  private readonly threads = new ThreadTable(this.builder);
  private firstTime: number | undefined;

  constructor(source: string) {
    super(source, 'malloc-debug');
  }

  push(text: string): void {
    this.line++;
    const trimmed = text.trimEnd();
    if (trimmed.length === 0) return;
    const m = LINE.exec(trimmed);
    const action = m?.[2] as string;
    const want = ARGS[action];
    if (m === null || want === undefined) {
      this.fail(`expected 'TID: ACTION PTR …' with ACTION malloc, calloc, memalign, realloc, free or thread_done, got '${clip(trimmed)}'`);
    }
    const tokens = (m[3] as string).split(' ');
    if (tokens.length !== want && tokens.length !== want + 2) {
      this.fail(`${action} takes ${want} field(s) (or ${want + 2} with timestamps), got ${tokens.length} in '${clip(trimmed)}'`);
    }
    const time = tokens.length === want + 2 ? this.relative(this.size(tokens[want], trimmed, 'a number')) : this.builder.lastTime();
    const facts = { align: 0, time, thread: this.threads.intern(Number(m[1])), site: NO_SITE };
    const p = this.pointers;
    const ptr = this.address(tokens[0], trimmed, '0xb6038060');
    switch (action) {
      case 'malloc': return p.alloc(ptr, this.size(tokens[1], trimmed, 'a number'), facts);
      case 'calloc': return p.alloc(ptr, this.size(tokens[1], trimmed, 'a number') * this.size(tokens[2], trimmed, 'a number'), facts);
      case 'memalign': return p.alloc(ptr, this.size(tokens[2], trimmed, 'a number'), { ...facts, align: this.size(tokens[1], trimmed, 'a number') });
      case 'realloc': return p.realloc(this.address(tokens[1], trimmed, '0xb6038060'), ptr, this.size(tokens[2], trimmed, 'a number'), facts);
      case 'free': return p.free(ptr, facts);
      default: // thread_done
    }
  }

  private relative(ns: number): number {
    this.firstTime ??= ns;
    return Math.max(this.builder.lastTime(), ns - this.firstTime);
  }



}

/** Interns call sites by a key (the text a log prints for the caller) into a trace's site table. */

import type { TraceBuilder } from '../trace-builder.js';
import { type CallSite, NO_SITE } from '../types.js';

export class SiteTable {
  private readonly index = new Map<string, number>();

  constructor(private readonly builder: TraceBuilder) {}

  /** Index of the site with this key, describing it with `describe()` the first time. */
  intern(key: string | undefined, describe: () => CallSite): number {
    if (key === undefined) return NO_SITE;
    let site = this.index.get(key);
    if (site === undefined) {
      site = this.builder.sites.length;
      this.builder.sites.push(describe());
      this.index.set(key, site);
    }
    return site;
  }
}

/** Index of thread `osTid` in the builder's thread table, adding it the first time. */
export class ThreadTable {
  private readonly index = new Map<number, number>();

  constructor(private readonly builder: TraceBuilder) {}

  intern(osTid: number): number {
    let thread = this.index.get(osTid);
    if (thread === undefined) {
      thread = this.builder.threads.length;
      this.builder.threads.push(osTid);
      this.index.set(osTid, thread);
    }
    return thread;
  }
}

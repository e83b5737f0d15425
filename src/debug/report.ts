/**
 * Debug reports: one shape for every error, modelled on AddressSanitizer's, as a
 * structured object (DebugReport) and as text (its toString()), and the error that
 * carries one (HeapDebugError, code 'HEAP_DEBUG', report.kind says which misuse).
 *
 *   ==heapflow== ERROR: heap-buffer-overflow on address 1037
 *   WRITE of size 1 at 1037 (heap.checked().setUint8)
 *       at <the program's frames>
 *   1037 is 0 bytes after the 13-byte block [1024, 1037)
 *   allocated by:
 *       at ...
 *   Bytes around 1037 (...):
 *   ...
 *   SUMMARY: heapflow: heap-buffer-overflow at 1037, 0 bytes after the 13-byte block [1024, 1037)
 */

import { HeapError } from '../base/errors.js';
import type { DebugErrorKind, DebugReportShape } from '../base/types.js';

/** One group of leaked blocks with the same allocation stack. */
export interface LeakGroup {
  stack: string;
  blocks: number;
  bytes: number;
  /** The pointers, in allocation order, and the requested size of each. */
  ptrs: number[];
  sizes: number[];
}

export interface ReportFields {
  kind: DebugErrorKind;
  address: number;
  /** The first line after the title: "WRITE of size 4 at 1037 (...)", "free(1040) ...". */
  headline: string;
  /** "4 bytes after the 40-byte block [1024, 1064)"; '' when no block is near. */
  relation: string;
  block: { ptr: number; size: number } | null;
  stack: string;
  allocStack?: string;
  freeStack?: string;
  /** Extra lines (e.g. the expected and found byte). */
  detail?: string;
  dump: string;
  leaks?: LeakGroup[];
}

export class DebugReport implements DebugReportShape {
  readonly kind: DebugErrorKind;
  readonly address: number;
  readonly block: { ptr: number; size: number } | null;
  readonly stack: string;
  readonly allocStack?: string;
  readonly freeStack?: string;
  /** How the address relates to the block ("4 bytes after the 40-byte block [1024, 1064)"). */
  readonly relation: string;
  readonly headline: string;
  readonly detail: string;
  /** The hex dump with per-byte states ('' for leaks). */
  readonly dump: string;
  /** memory-leak only: the leaked blocks grouped by allocation stack, most bytes first. */
  readonly leaks?: LeakGroup[];

  constructor(f: ReportFields) {
    this.kind = f.kind;
    this.address = f.address;
    this.block = f.block;
    this.stack = f.stack;
    if (f.allocStack !== undefined) this.allocStack = f.allocStack;
    if (f.freeStack !== undefined) this.freeStack = f.freeStack;
    this.relation = f.relation;
    this.headline = f.headline;
    this.detail = f.detail ?? '';
    this.dump = f.dump;
    if (f.leaks !== undefined) this.leaks = f.leaks;
  }

  /** One line: kind, address and block. */
  get summary(): string {
    return this.relation === ''
      ? `${this.kind} at ${this.address}`
      : `${this.kind} at ${this.address}, ${this.relation}`;
  }

  toString(): string {
    if (this.kind === 'memory-leak') return formatLeakText(this.leaks ?? [], this.stack);
    const out = [`==heapflow== ERROR: ${this.kind} on address ${this.address}`, this.headline];
    out.push(this.stack === '' ? '    (stacks are off: createHeap({ debug: { stacks: true } }))' : this.stack);
    if (this.relation !== '') out.push(`${this.address} is ${this.relation}`);
    if (this.detail !== '') out.push(this.detail);
    if (this.allocStack !== undefined) out.push('allocated by:', this.allocStack || '    (no stack recorded)');
    if (this.freeStack !== undefined) out.push('freed by:', this.freeStack || '    (no stack recorded)');
    if (this.dump !== '') out.push(this.dump);
    out.push(`SUMMARY: heapflow: ${this.summary}`);
    return out.join('\n');
  }
}

/** LeakSanitizer's summary: one paragraph per allocation stack, most bytes first. */
export function formatLeakText(groups: readonly LeakGroup[], stack = ''): string {
  const bytes = groups.reduce((s, g) => s + g.bytes, 0);
  const blocks = groups.reduce((s, g) => s + g.blocks, 0);
  if (blocks === 0) return '==heapflow== no leaks: every block was freed';
  const out = ['==heapflow== ERROR: memory-leak: detected memory leaks'];
  if (stack !== '') out.push('leaks checked at:', stack);
  for (const g of groups) {
    const shown = g.ptrs.slice(0, 4).map((p, i) => `[${p}, ${p + (g.sizes[i] as number)})`);
    const blocks = shown.join(', ') + (g.ptrs.length > 4 ? `, ... ${g.ptrs.length - 4} more` : '');
    out.push('', `Leak of ${plural(g.bytes, 'byte')} in ${plural(g.blocks, 'block')} ${blocks} allocated by:`);
    out.push(g.stack === '' ? '    (no stack recorded: stacks are off)' : g.stack);
  }
  out.push('', `SUMMARY: heapflow: ${plural(bytes, 'byte')} leaked in ${plural(blocks, 'allocation')}.`);
  return out.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Every misuse debug mode finds. `code` is always 'HEAP_DEBUG'; `report.kind` names
 * the misuse; the message is the whole text report (so an uncaught one prints it all).
 */
export class HeapDebugError extends HeapError {
  readonly report: DebugReport;
  constructor(report: DebugReport) {
    super(report.toString(), 'HEAP_DEBUG');
    this.report = report;
  }

  get kind(): DebugErrorKind {
    return this.report.kind;
  }
}

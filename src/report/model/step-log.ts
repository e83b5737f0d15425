/**
 * One line of the step log per heap event. Known events read as the flow (request ->
 * bin hit/miss -> split -> grow -> done; free -> coalesce -> trim); an event type this
 * file does not know is printed generically as its fields.
 */
import type { HeapEvent } from '../../index.js';

const hex = (p: number): string => `0x${p.toString(16)}`;
const bytes = (n: number): string => `${n} B`;

/** A heap event, or any other policy's event: a type and numeric/boolean fields. */
export type AnyEvent = HeapEvent | { type: string; [field: string]: unknown };

export function describeEvent(e: AnyEvent): string {
  const f = e as Record<string, unknown>;
  const n = (k: string): number => Number(f[k]);
  switch (e.type) {
    case 'malloc': return `request ${bytes(n('size'))} -> block of ${bytes(n('chunk'))}`;
    case 'bin': return `bin ${n('bin') < 0 ? 'search (large)' : n('bin')} for ${bytes(n('binSize'))}: ${f.hit ? 'hit' : 'miss'}`;
    case 'split': return `split block ${hex(n('block'))}: keep ${bytes(n('size'))}, remainder ${bytes(n('remainder'))} back to a bin`;
    case 'grow': return `grow: break ${n('from')} -> ${n('to')} (backing ${bytes(n('backing'))})`;
    case 'map': return `map a page run at ${hex(n('ptr'))}, ${bytes(n('size'))}`;
    case 'unmap': return `unmap the page run at ${hex(n('ptr'))}, ${bytes(n('size'))}`;
    case 'done': return `done: ${hex(n('ptr'))}, ${bytes(n('size'))}, ${f.reused ? 'reused a free block' : 'new space'}`;
    case 'free': return `free ${hex(n('ptr'))} (${bytes(n('size'))})`;
    case 'coalesce': {
      const with_ = [n('prev') ? `previous ${hex(n('prev'))}` : '', n('next') ? `next ${hex(n('next'))}` : ''].filter(Boolean).join(' and ');
      return `coalesce with ${with_ || 'no neighbour'} -> ${hex(n('block'))}, ${bytes(n('size'))}`;
    }
    case 'realloc': return `realloc ${hex(n('ptr'))} to ${bytes(n('size'))} -> ${hex(n('result'))}${f.inPlace ? ' (in place)' : ' (moved)'}`;
    case 'trim': return `trim: break ${n('from')} -> ${n('to')}, ${bytes(n('released'))} back to the OS layer`;
    default: return `${e.type}${Object.entries(f).filter(([k]) => k !== 'type').map(([k, v]) => ` ${k}=${typeof v === 'number' && k !== 'size' ? v : String(v)}`).join('')}`;
  }
}

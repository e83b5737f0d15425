/**
 * Step mode: the events of the op that brought the heap to the cursor, one line each,
 * and the policy's own structures drawn from heap.internals() (internals/). A policy that
 * shows none gets the generic picture: free blocks per size class, with the classes this
 * op's bin events touched marked.
 */
import type { BlockInfo } from '../../index.js';
import { OP_ALLOC, OP_FREE } from '../../trace/types.js';
import { HISTOGRAM_CLASSES, isFreeState, sizeClass } from '../model/fragmentation.js';
import type { ReplaySession } from '../model/session.js';
import { describeEvent, type AnyEvent } from '../model/step-log.js';
import { el, formatBytes, hex } from './dom.js';
import { drawInternals } from './internals/internals-view.js';

export function describeOp(session: ReplaySession, i: number): string {
  const { kinds, ids, sizes } = session.trace;
  const ptr = session.resultPtr[i];
  const src = session.srcOp[i];
  const old = src >= 0 ? hex(session.resultPtr[src]) : '0';
  if (kinds[i] === OP_ALLOC) return `op ${i}: a ${ids[i]} ${sizes[i]}  =  malloc(${sizes[i]}) -> ${hex(ptr)}`;
  if (kinds[i] === OP_FREE) return `op ${i}: f ${ids[i]}  =  free(${old})`;
  return `op ${i}: r ${ids[i]} ${sizes[i]}  =  realloc(${old}, ${sizes[i]}) -> ${hex(ptr)}`;
}

export class StepView {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly internals: HTMLElement;
  /** The lines shown, for tests. */
  lines: string[] = [];

  constructor() {
    this.title = el('div', { class: 'step-title' });
    this.log = el('ol', { class: 'step-log' });
    this.internals = el('div', { class: 'internals' });
    this.element = el('div', { class: 'step-view' }, this.title, this.log, this.internals);
  }

  /** Shows op t - 1 (the op whose result the map shows); the session's heap ends at t. */
  show(session: ReplaySession, t: number): BlockInfo[] {
    let events: AnyEvent[] = [];
    if (t > 0) {
      events = session.eventsOf(t - 1);
      this.title.textContent = describeOp(session, t - 1);
    } else {
      session.seek(0);
      this.title.textContent = 'op 0: nothing applied yet (the fresh heap)';
    }
    this.lines = events.map(describeEvent);
    this.log.replaceChildren(...this.lines.map((l) => el('li', {}, l)));
    const blocks = session.current.blocks();
    const internals = session.current.internals();
    if (internals.kind === 'none') this.drawGeneric(blocks, events);
    else this.internals.replaceChildren(drawInternals(internals, events));
    return blocks;
  }

  private drawGeneric(blocks: BlockInfo[], events: AnyEvent[]): void {
    const counts = new Array<number>(HISTOGRAM_CLASSES).fill(0);
    const bytes = new Array<number>(HISTOGRAM_CLASSES).fill(0);
    for (const b of blocks) if (isFreeState(b.state)) { counts[sizeClass(b.size)]++; bytes[sizeClass(b.size)] += b.size; }
    const touched = new Map<number, boolean>();
    for (const e of events) {
      const size = (e as { binSize?: unknown }).binSize;
      if (typeof size === 'number') touched.set(sizeClass(size), Boolean((e as { hit?: unknown }).hit));
    }
    const max = Math.max(1, ...counts);
    const rows: HTMLElement[] = [];
    for (let k = 3; k < HISTOGRAM_CLASSES; k++) {
      if (counts[k] === 0 && !touched.has(k)) continue;
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.max(1, counts[k] / max * 160)}px`;
      const mark = touched.has(k) ? (touched.get(k) ? ' <- searched: hit' : ' <- searched: miss') : '';
      rows.push(el('div', { class: `bin-row${mark ? ' touched' : ''}` },
        el('span', { class: 'bin-label' }, `${formatBytes(2 ** k)}+`), bar, ` ${counts[k]} (${formatBytes(bytes[k])})${mark}`));
    }
    const head = el('div', { class: 'subhead' }, 'free blocks per size class (the bins a segregated-fit policy keeps); marked: the classes this op searched');
    this.internals.replaceChildren(head, ...(rows.length ? rows : [el('div', {}, 'no free blocks')]));
  }
}

/**
 * The playground: type calls (or paste a .rep trace), run them on a fresh heap of the
 * report's first configuration, and step through them with the map and the step log.
 */
import { parsePlayground, PlaygroundError } from '../model/playground.js';
import { ReplaySession, type SessionSpec } from '../model/session.js';
import { blockTip } from './block-tip.js';
import { el } from './dom.js';
import { HeapMap } from './heap-map.js';
import { StepView } from './step-view.js';

export const SAMPLE_PROGRAM = `p = malloc(40)
q = malloc(100)
r = malloc(16)
free(q)
s = malloc(24)
p = realloc(p, 200)
big = malloc(200000)
free(big)`;

export class Playground {
  readonly element: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly map: HeapMap;
  private readonly steps = new StepView();
  private session: ReplaySession | null = null;

  constructor(private readonly spec: SessionSpec) {
    this.input = el('textarea', { class: 'program', rows: '9', spellcheck: 'false' });
    this.input.value = SAMPLE_PROGRAM;
    this.error = el('div', { class: 'error' });
    this.slider = el('input', { type: 'range', min: '0', max: '0', value: '0', class: 'pg-slider' });
    this.map = new HeapMap({ rows: 6, rowHeight: 14, origin: spec.base, describe: (b) => (this.session ? blockTip(this.session, b, Number(this.slider.value)) : '') });
    const run = el('button', { class: 'pg-run' }, 'Run');
    run.addEventListener('click', () => this.run());
    this.slider.addEventListener('input', () => this.show(Number(this.slider.value)));
    this.element = el('div', { class: 'playground' },
      el('div', { class: 'pg-left' }, this.input, el('div', {}, run, ' one call per line: p = malloc(n), calloc(n, size), p = realloc(p, n), free(p); or paste a .rep trace'), this.error),
      el('div', { class: 'pg-right' }, el('label', {}, 'step ', this.slider), this.map.element, this.steps.element));
  }

  get blockCount(): number { return this.map.blockCount; }

  run(): void {
    try {
      const trace = parsePlayground(this.input.value);
      this.session = new ReplaySession(trace, this.spec);
      this.session.runSome(trace.length);
      this.error.textContent = this.session.failedAllocs > 0 ? `${this.session.failedAllocs} allocation(s) returned NULL` : '';
      this.slider.max = String(trace.length);
      this.slider.value = String(trace.length);
      this.show(trace.length);
    } catch (e) {
      this.error.textContent = e instanceof PlaygroundError || e instanceof Error ? e.message : String(e);
    }
  }

  private show(t: number): void {
    if (!this.session) return;
    const blocks = this.steps.show(this.session, t);
    this.map.show(blocks, this.session.current.stats().heapSize);
  }
}

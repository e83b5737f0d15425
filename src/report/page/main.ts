/**
 * The report page: reads the embedded traces, replays each under every configuration with
 * the real heapflow code, and composes the views around one op cursor.
 */
import { DATA_ELEMENT_ID, type ReportData } from '../model/report-data.js';
import { DEFAULT_LIMITS, ReplaySession } from '../model/session.js';
import { HISTOGRAM_CLASSES, fragmentationOf } from '../model/fragmentation.js';
import { knownStates } from '../model/states.js';
import type uPlot from 'uplot';
import { AddressTime } from './address-time.js';
import { blockTip } from './block-tip.js';
import { CallSitesView } from './call-sites-view.js';
import { histogramChart, lineChart, moveCursorLines, type Marker } from './charts.js';
import { Cursor } from './cursor.js';
import { el, formatBytes, percent } from './dom.js';
import { HeapMap, legend } from './heap-map.js';
import { loadTrace } from './load-trace.js';
import { Playground } from './playground-view.js';
import { SideBySide } from './side-by-side.js';
import { StepView } from './step-view.js';

/** What tests and the benchmark read from the page. */
interface ReportState {
  ready: boolean;
  op: number;
  ops: number;
  blockCount: number;
  /** The blocks at the cursor (pointer, state, requested), when there are at most 2000. */
  blocks: { ptr: number; state: string; requested: number }[];
  stepLog: string[];
  sideBySide: { label: string; blockCount: number }[];
  playgroundBlockCount: number;
  /** ms from navigation start to the first complete picture. */
  firstPictureMs: number;
  /** ms spent in each phase of opening the trace. */
  phases: Record<string, number>;
  setCursor: (t: number) => void;
  runPlayground: (program: string) => void;
  /** The call-site lists as shown (site index or null for no known site, value); null without a site table. */
  callSites: SiteListsState | null;
  /** Switches colouring by call site on or off (as the page's checkbox does). */
  setSiteColours: (on: boolean) => void;
  /** Where the heap map draws an address (canvas CSS pixels), for hovering in tests. */
  mapPointOf: (addr: number) => { x: number; y: number } | null;
  error: string | null;
}

type SiteListsState = Record<'byPeakLive' | 'byCount' | 'byTemporary', { site: number | null; value: number }[]> & { peakLiveBytes: number };

declare global {
  interface Window { heapflowReport: ReportState }
}

const state: ReportState = {
  ready: false, op: 0, ops: 0, blockCount: 0, blocks: [], stepLog: [], sideBySide: [], playgroundBlockCount: 0, firstPictureMs: NaN, phases: {},
  setCursor: () => undefined, runPlayground: () => undefined, callSites: null, setSiteColours: () => undefined, mapPointOf: () => null, error: null,
};
window.heapflowReport = state;
state.phases['page and script parsed'] = performance.now();

function section(title: string, explain: string, ...body: (Node | string)[]): HTMLElement {
  return el('section', {}, el('h2', {}, title), el('p', { class: 'explain' }, explain), ...body);
}

async function main(): Promise<void> {
  const start = performance.now();
  const data = JSON.parse(document.getElementById(DATA_ELEMENT_ID)?.textContent ?? 'null') as ReportData;
  state.phases['data read'] = performance.now() - start;
  const app = document.getElementById('app') as HTMLElement;
  const select = el('select', { id: 'trace-select' }, ...data.traces.map((t, k) => el('option', { value: String(k) }, `${t.name} (${t.ops} ops)`)));
  const views = el('div', { id: 'views' });
  app.append(el('header', {}, el('h1', {}, data.title),
    el('div', { class: 'subtitle' }, `replayed in this page by heapflow itself under: ${data.specs.map((s) => s.label).join(', ')}`),
    el('label', {}, 'trace ', select)), views);
  select.addEventListener('change', () => void openTrace(data, Number(select.value), views));
  await openTrace(data, 0, views);
}

async function openTrace(data: ReportData, index: number, views: HTMLElement): Promise<void> {
  state.ready = false;
  const progress = el('div', { class: 'progress' }, 'reading the trace ...');
  views.replaceChildren(progress);
  const entry = data.traces[index];
  if (!entry) return;
  let t0 = performance.now();
  const phase = (name: string): void => { const now = performance.now(); state.phases[name] = now - t0; t0 = now; };
  const trace = await loadTrace(entry);
  phase('load');
  const limits = { ...DEFAULT_LIMITS, checkpointBudget: DEFAULT_LIMITS.checkpointBudget / Math.max(1, data.specs.length) };
  const sessions = data.specs.map((spec) => new ReplaySession(trace, spec, limits));
  for (const s of sessions) {
    while (!s.runSome(250_000)) {
      progress.textContent = `replaying ${s.label}: ${s.progress.toLocaleString('en')} / ${s.n.toLocaleString('en')} ops`;
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  phase('replay');
  build(sessions, views, phase);
}

function build(sessions: ReplaySession[], views: HTMLElement, phase: (name: string) => void): void {
  const main = sessions[0] as ReplaySession;
  const n = main.n;
  const cursor = new Cursor(n, n);
  state.ops = n;

  // ── controls
  const slider = el('input', { type: 'range', min: '0', max: String(n), value: String(n), id: 'op-slider' });
  const opInput = el('input', { type: 'number', min: '0', max: String(n), value: String(n), id: 'op-input' });
  const back = el('button', { id: 'step-back', title: 'previous op (left arrow)' }, '◀ back');
  const fwd = el('button', { id: 'step-forward', title: 'next op (right arrow)' }, 'forward ▶');
  slider.addEventListener('input', () => cursor.set(Number(slider.value)));
  opInput.addEventListener('change', () => cursor.set(Number(opInput.value)));
  back.addEventListener('click', () => cursor.set(cursor.value - 1));
  fwd.addEventListener('click', () => cursor.set(cursor.value + 1));
  document.onkeydown = (e) => {
    if ((e.target as HTMLElement).tagName === 'TEXTAREA' || (e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === 'ArrowLeft') cursor.set(cursor.value - 1);
    if (e.key === 'ArrowRight') cursor.set(cursor.value + 1);
  };
  const figures = el('div', { class: 'figures-line' });
  const controls = el('div', { class: 'controls' }, back, fwd, ' op ', opInput, ` of ${n} `, slider, figures);

  // ── heap map + step mode
  const sites = CallSitesView.of(main);
  const map = new HeapMap({ rows: 18, rowHeight: 14, origin: main.spec.base, describe: (b) => blockTip(main, b, cursor.value, sites && ((op) => sites.siteLine(op))) });
  const steps = new StepView();
  const states = new Set(knownStates());
  const legendBox = el('div', {}, legend(states));
  /** A state no legend entry names yet (a new policy's) gets one when it first shows up. */
  const noteStates = (blocks: readonly { state: string }[]): void => {
    const before = states.size;
    for (const b of blocks) states.add(b.state);
    if (states.size !== before) legendBox.replaceChildren(legend(states));
  };

  // ── timelines
  const x = main.series.column('x');
  const heap = main.series.column('heapSize');
  const mapped = main.series.column('runsMapped');
  const markers: Marker[] = [];
  for (let i = 1; i < x.length; i++) {
    if (heap[i] > heap[i - 1]) markers.push({ x: x[i], kind: 'grow', colour: '#d9822b' });
    else if (heap[i] < heap[i - 1]) markers.push({ x: x[i], kind: 'trim', colour: '#2e9e6a' });
    if (mapped[i] > mapped[i - 1]) markers.push({ x: x[i], kind: 'page run', colour: '#b07cc6' });
  }
  const timelineBox = el('div', { class: 'chart' });
  const fragBox = el('div', { class: 'chart' });
  const histBox = el('div', { class: 'chart hist' });
  const addressTime = new AddressTime(main, cursor);
  const side = new SideBySide(sessions, cursor);
  const playground = new Playground(main.spec);

  const fragNote = el('ul', { class: 'explain' },
    el('li', {}, 'External fragmentation = 1 − largest free block / free bytes: the share of free memory a single request of all of it could not use.'),
    el('li', {}, 'Largest free block: the biggest request the heap can serve without growing.'),
    el('li', {}, 'Spread = 1 − √Σfᵢ² / Σfᵢ over the free blocks fᵢ: 0 when all free space is one block, near 1 when it is scattered over many small ones (from heap walks at evenly spaced ops).'),
    el('li', {}, 'The histogram counts the free blocks at the cursor by power-of-two size class: many bars on the left mean free space chopped into small pieces.'));

  views.replaceChildren(
    controls,
    section('Heap map', 'Every block of the heap at the cursor, in address order (left to right, row after row), sizes to scale. Hover a block for its pointer, size, request, age and the op that made it.',
      legendBox, ...(sites ? [sites.toggle] : []), el('div', { class: 'map-and-steps' }, map.element, steps.element)),
    ...(sites ? [section('Call sites', 'Where the memory went, by the code that asked for it (heaptrack\'s three lists, the same as `heapflow replay` prints): the sites holding the most bytes when live bytes peaked, the sites making the most allocations, and the sites making the most temporary ones. A block\'s site is that of its malloc, or of the realloc that last resized it.', sites.element)] : []),
    section('Timeline', 'Memory over the run: live bytes (what the program holds), heap size (the break), backing size (the buffer) and free bytes. Ticks at the bottom: orange = the break grew, green = trimmed, purple = a page run was mapped. Click to move the cursor.', timelineBox),
    section('Fragmentation over time', 'How scattered the free memory is.', fragNote, el('div', { class: 'frag-row' }, fragBox, histBox)),
    section('Address × time', 'The whole run at once: each bar is one block, from its malloc (left) to its free (right), at its address; purple = large blocks (page-run size); the grey line is the break.', addressTime.element),
    section('Side by side', sessions.length > 1 ? 'The same trace under each configuration, at the same op.' : 'Only one configuration in this report: run `heapflow report TRACE --allocator a,b` (or --backing a,b) to compare.', side.element),
    section('Playground', 'Type allocator calls and watch them happen, op by op.', playground.element),
  );

  phase('layout');
  const timeline = lineChart(timelineBox, {
    title: 'memory over time', x, cursor, markers: () => markers,
    lines: [
      { label: 'live bytes', colour: '#3b82c4', values: main.series.column('liveBytes') },
      { label: 'heap size (break)', colour: '#555', values: heap },
      { label: 'backing size', colour: '#aaa', values: main.series.column('backingSize'), dash: [6, 4] },
      { label: 'free bytes', colour: '#4a9a4a', values: main.series.column('freeBytes') },
    ],
  });
  const spread: (number | null)[] = new Array<number | null>(x.length).fill(null);
  const frag = lineChart(fragBox, {
    title: 'fragmentation over time', x, cursor, yAxis: 'fraction', y2: { scale: 'b', kind: 'bytes', label: 'largest free block' },
    lines: [
      { label: 'external fragmentation', colour: '#c44b3b', values: main.series.column('externalFragmentation') },
      { label: 'spread 1 − √Σf²/Σf', colour: '#7a6cc4', values: spread },
      { label: 'largest free block', colour: '#4a9a4a', values: main.series.column('largestFreeBlock'), scale: 'b' },
    ],
  });
  const hist = histogramChart(histBox, HISTOGRAM_CLASSES);
  const charts = [timeline, frag, ...(side.chart ? [side.chart] : [])];
  phase('charts');
  addressTime.render();
  phase('address x time');

  const show = (t: number): void => {
    const blocks = steps.show(main, t);
    const s = main.current.stats();
    map.painter = sites?.painterAt(t) ?? null;
    map.show(blocks, s.heapSize);
    noteStates(blocks);
    const f = fragmentationOf(blocks);
    hist.update(f.histogram);
    figures.textContent = `live ${formatBytes(s.liveBytes)} · heap ${formatBytes(s.heapSize)} · ${blocks.length} blocks · free ${formatBytes(f.freeBytes)} in ${f.freeBlocks} · external fragmentation ${percent(f.external)} · spread ${percent(f.spread)}`;
    slider.value = String(t);
    opInput.value = String(t);
    side.show(t, { session: main, blocks });
    moveCursorLines(charts);
    addressTime.drawCursor();
    state.op = t;
    state.blockCount = blocks.length;
    state.blocks = blocks.length <= 2000 ? blocks.map((b) => ({ ptr: b.ptr, state: b.state, requested: b.requested })) : [];
    state.stepLog = steps.lines;
    state.sideBySide = side.blockCounts();
  };
  cursor.listen(show);
  if (sites) {
    sites.onChange(() => { addressTime.render(sites.opColour()); cursor.notify(); });
    state.setSiteColours = (on) => sites.set(on);
    state.callSites = siteListsState(sites);
  }
  state.mapPointOf = (addr) => map.pointOf(addr);
  state.setCursor = (t) => { cursor.value = Math.max(0, Math.min(n, t)); cursor.notify(); };
  state.runPlayground = (program) => {
    playground.input.value = program;
    playground.run();
    state.playgroundBlockCount = playground.blockCount;
  };
  cursor.notify();
  phase('views at the cursor');
  playground.run();
  state.playgroundBlockCount = playground.blockCount;
  phase('playground');
  state.firstPictureMs = performance.now();
  state.ready = true;
  document.body.dataset.ready = 'true';
  walkInBackground(main, () => {
    main.walks.x.forEach((op, k) => { spread[main.series.indexAt(op)] = main.walks.spread[k] as number; });
    frag.setData([Array.from(x), Array.from(main.series.column('externalFragmentation')), spread, Array.from(main.series.column('largestFreeBlock'))] as uPlot.AlignedData);
    main.seek(cursor.value);
  });
}

function siteListsState(view: CallSitesView): SiteListsState {
  const figures = (list: typeof view.lists.byCount): { site: number | null; value: number }[] =>
    list.map((f) => ({ site: f.callSite === undefined ? null : f.site, value: f.value }));
  const { lists } = view;
  return { byPeakLive: figures(lists.byPeakLive), byCount: figures(lists.byCount), byTemporary: figures(lists.byTemporary), peakLiveBytes: lists.peakLiveBytes };
}

/** The heap walks of the spread metric, in slices of ~20 ms after the first picture. */
function walkInBackground(session: ReplaySession, update: () => void): void {
  const slice = (): void => {
    const until = performance.now() + 20;
    let more = true;
    while (more && performance.now() < until) more = session.walkNext();
    update();
    if (more) setTimeout(slice, 0);
  };
  setTimeout(slice, 0);
}

main().catch((e: unknown) => {
  state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  document.getElementById('app')?.append(el('pre', { class: 'error' }, `The report could not be shown: ${state.error}`));
  throw e;
});

/**
 * Side by side: the same trace under every configuration of the report, each with its
 * heap map and figures at the shared cursor, and their heap sizes in one chart.
 */
import type uPlot from 'uplot';
import type { BlockInfo } from '../../index.js';
import type { ReplaySession } from '../model/session.js';
import { workUnits } from '../model/series.js';
import { blockTip } from './block-tip.js';
import { lineChart } from './charts.js';
import type { Cursor } from './cursor.js';
import { el, formatBytes, percent } from './dom.js';
import { HeapMap } from './heap-map.js';

const PALETTE = ['#3b82c4', '#d9822b', '#2e9e6a', '#b0479a', '#7a6cc4', '#c44b3b'];

export class SideBySide {
  readonly element: HTMLElement;
  readonly chart: uPlot | null = null;
  private readonly cards: { session: ReplaySession; map: HeapMap; figures: HTMLElement }[] = [];

  constructor(private readonly sessions: ReplaySession[], cursor: Cursor) {
    const grid = el('div', { class: 'side-grid' });
    this.element = el('div', {}, grid);
    for (const session of sessions) {
      const map = new HeapMap({ rows: 8, rowHeight: 10, origin: session.spec.base, describe: (b) => blockTip(session, b, cursor.value) });
      const figures = el('div', { class: 'figures' });
      grid.append(el('div', { class: 'side-card' }, el('h3', {}, session.label), map.element, figures));
      this.cards.push({ session, map, figures });
    }
    const chartBox = el('div', { class: 'chart' });
    this.element.append(chartBox);
    const first = sessions[0];
    if (first) {
      // Every session of a trace samples the same ops, so one x axis serves all.
      this.chart = lineChart(chartBox, {
        title: 'heap size (the break) of each configuration; dashed: live bytes', x: first.series.column('x'), cursor,
        lines: [...sessions.map((s, k) => ({ label: s.label, colour: PALETTE[k % PALETTE.length] as string, values: s.series.column('heapSize') })),
          { label: 'live bytes', colour: '#888', values: first.series.column('liveBytes'), dash: [4, 4] }],
      });
    }
  }

  /** Moves every configuration to op t; `known` are blocks already walked at t (by the main view). */
  show(t: number, known?: { session: ReplaySession; blocks: BlockInfo[] }): void {
    for (const { session, map, figures } of this.cards) {
      const heap = session.seek(t);
      const blocks = known?.session === session ? known.blocks : heap.blocks();
      const s = heap.stats();
      map.show(blocks, s.heapSize);
      const work = workUnits(heap);
      const rows: [string, string][] = [
        ['heap size', formatBytes(s.heapSize)], ['live bytes', formatBytes(s.liveBytes)], ['blocks', String(blocks.length)],
        ['utilization (peak live / peak heap)', percent(s.utilization)], ['external fragmentation', percent(s.externalFragmentation)],
        ['free bytes', formatBytes(s.freeBytes)], ['OS grows / shrinks / page runs', `${s.osGrows} / ${s.osShrinks} / ${s.runsMapped}`],
        ['work units', Number.isNaN(work) ? 'not counted by this build' : String(work)],
      ];
      figures.replaceChildren(el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v)))));
    }
  }

  blockCounts(): { label: string; blockCount: number }[] {
    return this.cards.map((c) => ({ label: c.session.label, blockCount: c.map.blockCount }));
  }
}

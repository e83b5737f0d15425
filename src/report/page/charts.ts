/**
 * The timelines (uPlot): memory over time, fragmentation over time, the free-size
 * histogram at the cursor, and the side-by-side comparison. Every chart over ops draws
 * the cursor as a vertical line and moves it on click.
 */
import uPlot from 'uplot';
import type { Cursor } from './cursor.js';
import { formatBytes } from './dom.js';

export interface Marker { x: number; kind: string; colour: string }

const bytesAxis = (label: string): uPlot.Axis => ({ label, size: 70, values: (_u, vals) => vals.map((v) => formatBytes(v)) });

/**
 * The cursor line of each chart: an element over the plot, moved by a transform, so that a
 * cursor move redraws no chart (a redraw sets canvas fonts, which resolves styles: after
 * the cursor's DOM changes that would be a forced style recalculation per chart).
 */
const cursorLines = new WeakMap<uPlot, { line: HTMLElement; cursor: Cursor }>();

/** Draws the markers and holds the cursor line; a click on the plot moves the cursor. */
function cursorPlugin(cursor: Cursor, markers: () => Marker[]): uPlot.Plugin {
  return {
    hooks: {
      init: (u) => {
        u.over.addEventListener('click', (e) => cursor.set(u.posToVal(e.offsetX, 'x')));
        const line = document.createElement('div');
        line.className = 'chart-cursor';
        u.over.append(line);
        cursorLines.set(u, { line, cursor });
      },
      ready: (u) => moveCursorLines([u]),
      draw: (u) => {
        const ctx = u.ctx;
        const top = u.bbox.top, height = u.bbox.height;
        ctx.save();
        for (const m of markers()) {
          const x = u.valToPos(m.x, 'x', true);
          ctx.fillStyle = m.colour;
          ctx.fillRect(x - 1, top + height - 8 * devicePixelRatio, 2 * devicePixelRatio, 8 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

export interface LineSpec { label: string; colour: string; values: ArrayLike<number | null>; scale?: string; dash?: number[] }

export function lineChart(parent: HTMLElement, opts: {
  title: string; x: ArrayLike<number>; lines: LineSpec[]; cursor: Cursor; markers?: () => Marker[];
  height?: number; yAxis?: 'bytes' | 'fraction'; y2?: { scale: string; kind: 'bytes' | 'fraction'; label: string };
}): uPlot {
  const axisOf = (kind: 'bytes' | 'fraction', label: string, scale?: string): uPlot.Axis => (kind === 'bytes'
    ? { ...bytesAxis(label), ...(scale ? { scale, side: 1, grid: { show: false } } : {}) }
    : { label, size: 60, values: (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`), ...(scale ? { scale, side: 1, grid: { show: false } } : {}) });
  /** A line on the second scale reads as that scale's kind; every other line as the first axis'. */
  const kindOf = (l: LineSpec): 'bytes' | 'fraction' => (opts.y2 && l.scale === opts.y2.scale ? opts.y2.kind : opts.yAxis ?? 'bytes');
  const axes: uPlot.Axis[] = [{ label: 'op' }, axisOf(opts.yAxis ?? 'bytes', opts.yAxis === 'fraction' ? 'fraction' : 'bytes')];
  const scales: uPlot.Scales = { x: { time: false } };
  if (opts.yAxis === 'fraction') scales.y = { range: [0, 1] };
  if (opts.y2) {
    axes.push(axisOf(opts.y2.kind, opts.y2.label, opts.y2.scale));
    if (opts.y2.kind === 'fraction') scales[opts.y2.scale] = { range: [0, 1] };
  }
  const width = Math.max(300, parent.clientWidth || 900);
  return new uPlot({
    title: opts.title,
    width,
    height: opts.height ?? 220,
    scales,
    axes,
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: 'op' },
      ...opts.lines.map((l): uPlot.Series => ({
        label: l.label, stroke: l.colour, width: 1.5, spanGaps: true, ...(l.scale ? { scale: l.scale } : {}), ...(l.dash ? { dash: l.dash } : {}),
        value: (_u, v) => (v === null || v === undefined ? '-' : kindOf(l) === 'bytes' ? formatBytes(v) : `${(v * 100).toFixed(1)}%`),
      })),
    ],
    plugins: [cursorPlugin(opts.cursor, opts.markers ?? (() => []))],
  }, [Array.from(opts.x), ...opts.lines.map((l) => Array.from(l.values))] as uPlot.AlignedData, parent);
}

/** Free blocks by size class at the cursor: bars. */
export function histogramChart(parent: HTMLElement, classes: number): { chart: uPlot; update: (counts: number[]) => void } {
  const xs = Array.from({ length: classes }, (_, k) => k);
  const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
  const chart = new uPlot({
    title: 'free blocks by size at the cursor',
    width: Math.max(300, parent.clientWidth || 440),
    height: 200,
    scales: { x: { time: false } },
    axes: [{ label: 'block size', values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? formatBytes(2 ** v) : '')) }, { label: 'free blocks', size: 50 }],
    series: [{ label: 'size >=', value: (_u, v) => (v === null ? '-' : formatBytes(2 ** v)) }, { label: 'free blocks', fill: '#9bd49b', stroke: '#4a9a4a', ...(bars ? { paths: bars } : {}) }],
  }, [xs, xs.map(() => 0)], parent);
  return { chart, update: (counts) => chart.setData([xs, counts]) };
}

/** Puts each chart's cursor line at its cursor's op. */
export function moveCursorLines(charts: readonly uPlot[]): void {
  for (const c of charts) {
    const held = cursorLines.get(c);
    if (held) held.line.style.transform = `translateX(${c.valToPos(held.cursor.value, 'x')}px)`;
  }
}

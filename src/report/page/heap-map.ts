/**
 * The heap map: the address space as rows of pixels, each pixel `bpp` bytes, every block
 * painted in its state's colour (sizes to scale; holes show the background). Wheel zooms
 * about the mouse (down to 16 pixels a byte), drag pans, double-click fits the whole heap;
 * hovering a block shows what `describe` says about it.
 */
import type { BlockInfo } from '../../index.js';
import { BACKGROUND, colourWord, darken, stateStyle } from '../model/states.js';
import { el, formatBytes, hex } from './dom.js';

/** A block as the map draws it: any state name (a policy's own ones too). */
export type MapBlock = Omit<BlockInfo, 'state'> & { state: string };

export interface HeapMapOptions {
  rows: number;
  rowHeight: number;
  /** Tooltip text for a block under the mouse. */
  describe: (block: MapBlock) => string;
  /** Where the heap starts (its `base` in a Wasm module's memory): the map shows nothing below it. Default 0. */
  origin?: number;
}

const MIN_BPP = 1 / 16;

export class HeapMap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly tip: HTMLElement;
  private blocks: MapBlock[] = [];
  private span = 1;
  private bpp = 1;
  private start = 0;
  private fitted = true;
  /** The bytes below the first block, drawn as metadata (not one of the heap's blocks). */
  private header: MapBlock | null = null;
  private readonly colours = new Map<string, number>();
  /** Paints a block in another colour than its state's (call sites); null: by state. */
  painter: ((block: MapBlock) => number | undefined) | null = null;
  /**
   * The canvas's CSS width: read from layout once, then kept by a ResizeObserver, so that
   * drawing after a DOM change (every cursor move) never forces a synchronous layout.
   */
  private cssWidth = 0;

  constructor(private readonly options: HeapMapOptions) {
    this.canvas = el('canvas', { class: 'heap-map' });
    this.caption = el('div', { class: 'caption' });
    this.tip = el('div', { class: 'tip' });
    this.element = el('div', { class: 'map-box' }, this.canvas, this.tip, this.caption);
    this.canvas.height = options.rows * options.rowHeight;
    this.listen();
    new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w === 0 || w === this.cssWidth) return;
      this.cssWidth = w;
      if (this.fitted) this.fit();
      this.draw();
    }).observe(this.canvas);
  }

  get blockCount(): number { return this.blocks.length; }

  /**
   * Draws `blocks`; `extent` is the heap's break. Bytes below the first block (the heap
   * header and whatever the policy keeps there) are drawn as metadata unless a block
   * already covers them.
   */
  show(blocks: MapBlock[], extent: number): void {
    this.blocks = blocks;
    const origin = this.origin;
    const last = blocks[blocks.length - 1];
    this.span = Math.max(1, extent - origin, last ? last.offset + last.size - origin : 1);
    const first = blocks[0]?.offset ?? extent;
    this.header = first > origin ? { ptr: 0, offset: origin, size: first - origin, state: 'metadata', requested: 0 } : null;
    if (this.fitted) this.fit();
    this.draw();
  }

  fit(): void {
    this.fitted = true;
    this.bpp = Math.max(MIN_BPP, this.span / this.pixels());
    this.start = this.origin;
  }

  private get origin(): number { return this.options.origin ?? 0; }

  private pixels(): number {
    return this.width() * this.options.rows;
  }

  private width(): number {
    if (this.cssWidth === 0) this.cssWidth = Math.floor(this.canvas.clientWidth || this.element.clientWidth);
    const w = Math.max(100, this.cssWidth || 800);
    if (this.canvas.width !== w) this.canvas.width = w;
    return w;
  }

  private colour(state: string): number {
    let c = this.colours.get(state);
    if (c === undefined) { c = colourWord(stateStyle(state).colour); this.colours.set(state, c); }
    return c;
  }

  draw(): void {
    const W = this.width();
    const { rows, rowHeight } = this.options;
    const total = W * rows;
    const line = new Uint32Array(total).fill(colourWord(BACKGROUND));
    const { bpp, start } = this;
    const blocks = this.blocks;
    const k0 = this.firstBlockAt(start);
    for (let k = this.header ? k0 - 1 : k0; k < blocks.length; k++) {
      const b = k < 0 ? this.header as MapBlock : blocks[k];
      const p0 = Math.floor((b.offset - start) / bpp);
      if (p0 >= total) break;
      const p1 = Math.min(total, Math.max(p0 + 1, Math.ceil((b.offset + b.size - start) / bpp)));
      const c = this.painter?.(b) ?? this.colour(b.state);
      const from = Math.max(0, p0);
      line.fill(c, from, p1);
      if (p1 - p0 >= 4 && p0 >= 0) line[p0] = darken(c, 0.6);
    }
    const image = new ImageData(W, rows * rowHeight);
    const px = new Uint32Array(image.data.buffer);
    for (let r = 0; r < rows; r++) {
      const seg = line.subarray(r * W, (r + 1) * W);
      for (let y = 0; y < rowHeight - 2; y++) px.set(seg, (r * rowHeight + y) * W);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(image, 0, 0);
    this.canvas.dataset.blockCount = String(blocks.length);
    const end = start + total * bpp;
    const scale = bpp >= 1 ? `1 px = ${formatBytes(bpp)}` : `1 B = ${(1 / bpp).toFixed(1)} px`;
    this.caption.textContent = `addresses ${hex(Math.max(0, start))} .. ${hex(end)} (row = ${formatBytes(W * bpp)}, ${scale}) · ${blocks.length} blocks · wheel: zoom, drag: pan, double-click: fit`;
  }

  private firstBlockAt(addr: number): number {
    const b = this.blocks;
    let lo = 0, hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid].offset + b[mid].size <= addr) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** The canvas point (CSS pixels) in the middle of the row where `addr` is drawn, or null when it is not in view. */
  pointOf(addr: number): { x: number; y: number } | null {
    const W = this.width();
    const p = Math.floor((addr - this.start) / this.bpp);
    if (p < 0 || p >= W * this.options.rows) return null;
    return { x: p % W, y: Math.floor(p / W) * this.options.rowHeight + this.options.rowHeight / 2 - 1 };
  }

  /** The address under a canvas point. */
  private addressAt(x: number, y: number): number {
    const row = Math.floor(y / this.options.rowHeight);
    return this.start + (row * this.width() + x) * this.bpp;
  }

  private blockAt(addr: number): MapBlock | undefined {
    if (this.header && addr >= this.header.offset && addr < this.header.offset + this.header.size) return this.header;
    const b = this.blocks[this.firstBlockAt(addr)];
    return b && b.offset <= addr ? b : undefined;
  }

  private listen(): void {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const addr = this.addressAt(e.offsetX, e.offsetY);
      const idx = (addr - this.start) / this.bpp;
      const maxBpp = Math.max(MIN_BPP, this.span / this.pixels());
      this.bpp = Math.min(maxBpp, Math.max(MIN_BPP, this.bpp * (e.deltaY > 0 ? 1.25 : 0.8)));
      this.start = addr - idx * this.bpp;
      this.fitted = this.bpp === maxBpp && this.start <= this.origin;
      if (this.fitted) this.start = this.origin;
      this.draw();
    }, { passive: false });
    let drag: { x: number; y: number } | null = null;
    c.addEventListener('mousedown', (e) => { drag = { x: e.offsetX, y: e.offsetY }; });
    window.addEventListener('mouseup', () => { drag = null; });
    c.addEventListener('mousemove', (e) => {
      if (drag) {
        const dx = e.offsetX - drag.x, dy = Math.round((e.offsetY - drag.y) / this.options.rowHeight);
        if (dx !== 0 || dy !== 0) {
          this.start -= (dx + dy * this.width()) * this.bpp;
          this.fitted = false;
          drag = { x: e.offsetX, y: drag.y + dy * this.options.rowHeight };
          this.draw();
        }
      }
      const b = this.blockAt(this.addressAt(e.offsetX, e.offsetY));
      if (!b) { this.tip.style.display = 'none'; return; }
      this.tip.textContent = this.options.describe(b);
      this.tip.style.display = 'block';
      this.tip.style.left = `${Math.min(e.offsetX + 12, this.width() - 260)}px`;
      this.tip.style.top = `${e.offsetY + 14}px`;
    });
    c.addEventListener('mouseleave', () => { this.tip.style.display = 'none'; });
    c.addEventListener('dblclick', () => { this.fit(); this.draw(); });
  }
}

/** The legend of the states present (and every known one), with their meanings. */
export function legend(states: Iterable<string>): HTMLElement {
  const box = el('div', { class: 'legend' });
  for (const s of states) {
    const style = stateStyle(s);
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = style.colour;
    box.append(el('span', { class: 'entry', title: `${s}: ${style.meaning}` }, swatch, ` ${s}`));
  }
  return box;
}

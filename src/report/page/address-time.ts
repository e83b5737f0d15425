/**
 * The address x time picture: op on the x axis, address on the y axis (0 at the bottom),
 * every block a bar from the op that made it to the op that freed or moved it. Drawn
 * into one ImageData whatever the trace's length: a bar covers at least one pixel, so
 * millions of short-lived blocks cost one pixel write each. The break is drawn as a line;
 * a click moves the cursor.
 */
import { OP_FREE } from '../../trace/types.js';
import type { ReplaySession } from '../model/session.js';
import { BACKGROUND, colourWord, stateStyle } from '../model/states.js';
import type { Cursor } from './cursor.js';
import { el, formatBytes, hex } from './dom.js';

export class AddressTime {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  /**
   * The lifetimes, the break and its label, drawn once: a cursor move copies this and draws
   * the cursor line, with no text (setting a canvas font resolves styles, which after the
   * cursor's DOM changes would force a style recalculation on every move).
   */
  private picture: HTMLCanvasElement | null = null;
  private yMax = 1;
  private yMin = 0;

  constructor(private readonly session: ReplaySession, private readonly cursor: Cursor, private readonly height = 280) {
    this.canvas = el('canvas', { class: 'address-time' });
    this.canvas.height = height;
    const caption = el('div', { class: 'caption' });
    this.element = el('div', { class: 'map-box' }, this.canvas, caption);
    this.canvas.addEventListener('click', (e) => cursor.set(e.offsetX / this.canvas.width * session.n));
    this.canvas.addEventListener('mousemove', (e) => {
      const op = Math.round(e.offsetX / this.canvas.width * session.n);
      const addr = this.yMin + (1 - e.offsetY / this.height) * (this.yMax - this.yMin);
      caption.textContent = `op ${op}, address ${hex(addr)} · click: move the cursor there`;
    });
    caption.textContent = 'time (ops) runs left to right, addresses bottom to top; each bar is a block from its malloc to its free';
  }

  /**
   * Rasterizes every lifetime (once; the cursor line is drawn over it). `colourOf` paints
   * op j's block (call sites); without it, blocks are coloured by size.
   */
  render(colourOf?: (op: number) => number): void {
    const W = Math.max(200, Math.floor(this.canvas.clientWidth || 900));
    const H = this.height;
    this.canvas.width = W;
    const s = this.session;
    const heap = s.series.column('heapSize');
    let yMax = 1;
    for (const v of heap) if (v > yMax) yMax = v;
    this.yMax = yMax;
    const px = new Uint32Array(W * H).fill(colourWord(BACKGROUND));
    const { kinds, sizes } = s.trace;
    const n = Math.max(1, s.n);
    const small = colourWord(stateStyle('used').colour);
    const large = colourWord(stateStyle('mapped').colour);
    const origin = s.spec.base ?? 0; // a Wasm module's heap: nothing of it lies below its base
    this.yMin = origin;
    const xs = W / n, ys = H / Math.max(1, yMax - origin);
    for (let j = 0; j < s.n; j++) {
      const ptr = s.resultPtr[j];
      if (kinds[j] === OP_FREE || ptr === 0) continue;
      const x0 = Math.floor(j * xs);
      const x1 = Math.min(W, Math.max(x0 + 1, Math.ceil(s.deathOp[j] * xs)));
      const yTop = H - Math.floor((ptr - origin) * ys);
      const yBottom = Math.max(0, Math.min(yTop - 1, H - Math.ceil((ptr - origin + sizes[j]) * ys)));
      const c = colourOf ? colourOf(j) : sizes[j] >= 128 * 1024 ? large : small;
      if (x1 - x0 === 1) {
        for (let y = yBottom; y < yTop && y < H; y++) px[y * W + x0] = c;
      } else {
        for (let y = yBottom; y < yTop && y < H; y++) px.fill(c, y * W + x0, y * W + x1);
      }
    }
    const picture = document.createElement('canvas');
    picture.width = W;
    picture.height = H;
    const ctx = picture.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(px.buffer), W, H), 0, 0);
    this.drawBreak(ctx, W, H);
    this.picture = picture;
    this.drawCursor();
  }

  private drawBreak(ctx: CanvasRenderingContext2D, W: number, H: number): void {
    const s = this.session;
    const x = s.series.column('x'), heap = s.series.column('heapSize');
    ctx.strokeStyle = '#555';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < x.length; i++) {
      const px = x[i] / Math.max(1, s.n) * W, py = H - (heap[i] - this.yMin) / Math.max(1, this.yMax - this.yMin) * H;
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    ctx.stroke();
    ctx.fillStyle = '#555';
    ctx.font = '11px sans-serif';
    ctx.fillText(`break (peak ${formatBytes(this.yMax)})`, 4, 12);
  }

  drawCursor(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx || !this.picture) return;
    const W = this.canvas.width, H = this.height, s = this.session;
    ctx.drawImage(this.picture, 0, 0);
    const cx = this.cursor.value / Math.max(1, s.n) * W;
    ctx.fillStyle = '#d33';
    ctx.fillRect(cx - 1, 0, 2, H);
  }
}

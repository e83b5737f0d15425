/** Small SVG helpers for the internals drawings (SVG, so that tests can read every drawn bit). */

const NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export const CELL = 11;
export const SET = '#3b82c4';
export const CLEAR = '#fff';
export const TOUCHED = '#c44b3b';

export interface BitRowOptions {
  /** Bits to outline in red (what the op's events named). */
  touched?: (bit: number) => boolean;
  /** Cells top to bottom instead of left to right. */
  vertical?: boolean;
  /** The bit number of the first cell (the word is shifted down by as much). */
  firstBit?: number;
}

/**
 * One bitmap word drawn as `bits` cells from bit 0 (left, or top) on, at (x, y); each cell
 * says which bitmap and bit it is (data-map, data-bit) and whether it is set (data-set).
 */
export function bitRow(parent: SVGElement, map: string, word: number, bits: number, x: number, y: number, options: BitRowOptions = {}): void {
  const touched = options.touched ?? ((): boolean => false);
  for (let i = 0; i < bits; i++) {
    const set = ((word >>> i) & 1) === 1;
    const bit = (options.firstBit ?? 0) + i;
    const rect = svg('rect', {
      x: options.vertical ? x : x + i * CELL, y: options.vertical ? y + i * CELL : y, width: CELL - 1, height: CELL - 1, fill: set ? SET : CLEAR,
      stroke: touched(i) ? TOUCHED : '#bbb', 'stroke-width': touched(i) ? 2 : 1,
      'data-map': map, 'data-bit': bit, 'data-set': set ? 1 : 0, class: 'bit',
    });
    rect.append(svg('title', {}, `${map} bit ${bit}: ${set ? 'set (list non-empty)' : 'clear (list empty)'}`));
    parent.append(rect);
  }
}

export function label(parent: SVGElement, x: number, y: number, text: string, anchor: 'start' | 'end' | 'middle' = 'start'): void {
  parent.append(svg('text', { x, y: y + 1, 'font-size': 10, 'text-anchor': anchor, 'dominant-baseline': 'hanging', fill: '#444' }, text));
}

export function frame(width: number, height: number): SVGSVGElement {
  return svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'internals-svg' });
}

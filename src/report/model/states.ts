/**
 * Block states and event types as the report draws them. A state or event this file does
 * not know (a new policy's) is still drawn: in a colour derived from its name, with its
 * name as the legend entry; adding a colour and a sentence here is all a new state needs.
 */

export interface StateStyle {
  /** CSS colour. */
  colour: string;
  /** One character for the terminal map. */
  char: string;
  /** What the state means, for the legend and the hover text (after the state's name). */
  meaning: string;
}

const KNOWN: Record<string, StateStyle> = {
  used: { colour: '#3b82c4', char: '#', meaning: 'a live block the program holds' },
  free: { colour: '#9bd49b', char: '.', meaning: 'in a bin or free list, ready for reuse' },
  top: { colour: '#e8e3a5', char: '_', meaning: 'free space at the break, taken before the heap grows' },
  mapped: { colour: '#b07cc6', char: 'M', meaning: 'a page run: a large block on pages of its own ("mmap")' },
  reserved: { colour: '#f0c28a', char: '-', meaning: 'set aside by the policy, not handed out yet (a region tail, unused page capacity)' },
  metadata: { colour: '#8a8a8a', char: 'm', meaning: 'the heap header and the policy\'s own bookkeeping' },
};

/** Colour of the address space outside every block (below the first block, above the break). */
export const BACKGROUND = '#f3f3f3';

export function stateStyle(state: string): StateStyle {
  return KNOWN[state] ?? { colour: hashedColour(state), char: state.charAt(0) || '?', meaning: 'a state this page has no colour for (drawn in one derived from its name)' };
}

export function knownStates(): string[] {
  return Object.keys(KNOWN);
}

/** A stable, mid-light colour for a name (FNV-1a hash to a hue). */
function hashedColour(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `hsl(${h % 360} 55% 65%)`;
}

/** `#rrggbb` or `hsl(h s% l%)` to 0xAABBGGRR (little-endian ImageData word). */
export function colourWord(css: string): number {
  let r = 0, g = 0, b = 0;
  if (css.startsWith('#')) {
    const v = parseInt(css.slice(1), 16);
    r = (v >> 16) & 255; g = (v >> 8) & 255; b = v & 255;
  } else {
    const m = /hsl\((\d+)\s+(\d+)%\s+(\d+)%\)/.exec(css);
    if (m) [r, g, b] = hslToRgb(Number(m[1]), Number(m[2]) / 100, Number(m[3]) / 100);
  }
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** A word darkened by `factor` (0..1), for block boundaries. */
export function darken(word: number, factor: number): number {
  const r = (word & 255) * factor, g = ((word >> 8) & 255) * factor, b = ((word >> 16) & 255) * factor;
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
}

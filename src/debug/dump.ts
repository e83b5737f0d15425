/**
 * The hex dump at the end of a report: the bytes around an address, 16 a row,
 * with the shadow state of each (v valid, u uninitialized, r redzone, f freed,
 * . not in a block) and the bad byte in brackets.
 *
 *     Bytes around 1037 (v valid, u uninitialized, r redzone, f freed, . not in a block):
 *         1008: fa fa fa fa fa fa fa fa  fa fa fa fa fa fa fa fa   rrrrrrrr rrrrrrrr
 *      => 1024: 00 01 02 03 04 05 06 07  08 09 0a 0b 0c[2a]fa fa   vvvvvvvv vvvvvrrr
 */

/** The state character of each byte ('v', 'u', 'r', 'f', '.', or 'a' when definedness is not tracked). */
export type StateAt = (address: number) => string;

/** Rows shown before and after the row of the address. */
const CONTEXT_ROWS = 2;

export function hexDump(u8: Uint8Array, stateAt: StateAt, legend: string, address: number): string {
  if (!(address >= 0 && address < u8.length)) return `(address ${address} is outside the memory [0, ${u8.length}))`;
  const row = Math.floor(address / 16) * 16;
  const first = Math.max(0, row - CONTEXT_ROWS * 16);
  const last = Math.min(u8.length, row + (CONTEXT_ROWS + 1) * 16);
  const width = String(last).length;
  const lines = [`Bytes around ${address} (${legend}):`];
  for (let r = first; r < last; r += 16) {
    let hex = '';
    let states = '';
    for (let i = 0; i < 16; i++) {
      const a = r + i;
      const sep = i === 8 ? ' ' : '';
      if (a >= u8.length) { hex += `${sep}   `; continue; }
      const byte = (u8[a] as number).toString(16).padStart(2, '0');
      // The byte at `address` is bracketed: '[' replaces the space before it, ']' the one after.
      if (a === address) hex += `${sep}[${byte}`;
      else if (a === address + 1 && i !== 0) hex += `]${sep}${byte}`;
      else hex += `${sep} ${byte}`;
      states += sep + stateAt(a);
    }
    hex += address === r + 15 ? ']' : ' ';
    const mark = address >= r && address < r + 16 ? ' => ' : '    ';
    lines.push(`${mark}${String(r).padStart(width)}:${hex.padEnd(50)}   ${states}`);
  }
  return lines.join('\n');
}

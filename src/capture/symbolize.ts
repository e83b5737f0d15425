/**
 * Resolves recorded return addresses after the run: the process's memory map (saved by
 * interpose.c as /proc/PID/maps) gives each address its module and offset, and binutils'
 * `addr2line` turns module offsets into function and file:line where the module has debug
 * info (function only from the symbol table otherwise). Without addr2line on PATH, sites
 * keep `module+0xoffset` and the caller is told so.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { CallSite } from '../trace/types.js';

interface Mapping { start: number; end: number; offset: number; path: string }

/** The file-backed mappings of a /proc/PID/maps text. */
export function parseMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (m === null) continue;
    mappings.push({ start: parseInt(m[1] as string, 16), end: parseInt(m[2] as string, 16), offset: parseInt(m[3] as string, 16), path: (m[4] as string).replace(/ \(deleted\)$/, '') });
  }
  return mappings.sort((a, b) => a.start - b.start);
}

export interface SymbolizeOutcome {
  /** False when addr2line was not found (sites then carry module+offset only). */
  addr2line: boolean;
  resolved: number;
}

/** Fills module, fn and location of `sites` (parallel to `pcs`) in place. */
export function symbolize(sites: CallSite[], pcs: readonly number[], mapsText: string): SymbolizeOutcome {
  const mappings = parseMaps(mapsText);
  const loadBase = new Map<string, number>();
  for (const m of mappings) {
    if (!loadBase.has(m.path)) loadBase.set(m.path, m.start - m.offset);
  }
  const byModule = new Map<string, { site: number; address: number }[]>();
  pcs.forEach((pc, site) => {
    const mapping = findMapping(mappings, pc);
    const entry = sites[site] as CallSite;
    if (mapping === undefined) return;
    const relative = isFixedAddressExecutable(mapping.path) ? pc : pc - (loadBase.get(mapping.path) as number);
    entry.module = `${mapping.path}+0x${relative.toString(16)}`;
    const list = byModule.get(mapping.path) ?? [];
    list.push({ site, address: relative });
    byModule.set(mapping.path, list);
  });
  let resolved = 0;
  for (const [path, list] of byModule) {
    // A return address points after the call; the call instruction is one byte earlier.
    const input = list.map(({ address }) => `0x${Math.max(0, address - 1).toString(16)}`).join('\n');
    const run = spawnSync('addr2line', ['-f', '-C', '-e', path], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (run.error !== undefined && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return { addr2line: false, resolved };
    if (run.status !== 0) continue; // not an ELF file addr2line can read: module+offset stays
    const lines = run.stdout.split('\n');
    list.forEach(({ site }, i) => {
      const fn = lines[2 * i] ?? '??';
      const location = (lines[2 * i + 1] ?? '??:0').replace(/ \(discriminator \d+\)$/, '');
      const entry = sites[site] as CallSite;
      if (fn !== '??') { entry.fn = fn; resolved++; }
      if (!location.startsWith('??') && !location.endsWith(':0')) entry.location = location;
    });
  }
  return { addr2line: true, resolved };
}

/** Reads a maps file saved by the recorder ('' if the process left none). */
export function readMaps(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function findMapping(mappings: readonly Mapping[], pc: number): Mapping | undefined {
  let lo = 0;
  let hi = mappings.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = mappings[mid] as Mapping;
    if (pc < m.start) hi = mid - 1;
    else if (pc >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

const fixedAddress = new Map<string, boolean>();

/** ELF type ET_EXEC (a non-PIE executable): its addresses are absolute, not load-relative. */
function isFixedAddressExecutable(path: string): boolean {
  let known = fixedAddress.get(path);
  if (known === undefined) {
    known = false;
    try {
      const fd = openSync(path, 'r');
      const header = Buffer.alloc(18);
      readSync(fd, header, 0, 18, 0);
      closeSync(fd);
      known = header.readUInt32BE(0) === 0x7f454c46 && header.readUInt16LE(16) === 2;
    } catch {
      // unreadable: treat as position-independent
    }
    fixedAddress.set(path, known);
  }
  return known;
}

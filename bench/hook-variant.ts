/**
 * A copy of the compiled core with the event hook compiled out, to measure what the hook costs
 * when nobody listens ("off").
 *
 * Why: comparing "no listener" with "a listener that does nothing" measures the hook when it is
 * ON (every step then builds an event object); it says nothing about the cost of the hook being
 * there. The honest baseline for "off" is the same allocator without the hook. The core keeps the
 * listener in one field of the policy and every emission site reads it as
 *     const ev = this.listener; ... if (ev !== null) ev({ ... })
 * or, on the hot paths (which keep the event code out of line), as
 *     if (this.listener !== null) this.emit...(...)
 * (plus `this.listener === null` on the malloc fast path). In a private copy of the compiled core
 * (bench/out/mod/hook-off) every read of that field is replaced by the constant `null`
 * (`this.listener === null` -> `true`, `this.listener !== null` -> `false`): V8 then folds the
 * checks and drops the emission code, exactly as if the hook had not been written.
 * The copy is verified: it must still allocate correctly, and a listener attached to it must
 * receive no event while the unmodified core's listener does.
 * If the core's source no longer matches this pattern, the variant is reported as unavailable.
 */
import { BENCH_OUT, HEAPFLOW_SRC, type HeapflowModule, loadHeapflowCopy } from './adapters.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HookVariant {
  mod: HeapflowModule | null;
  /** How the variant was made (or why not). */
  msg: string;
  /** The check an emission site makes when nobody listens, as it reads in the source. */
  guard: string | null;
}

const FIELD = 'this.listener';

/** Rewrites every read of `this.listener` into the constant null; counts what it changed. */
function stripHook(text: string, count: { sites: number; fast: number; files: Set<string> }, file: string): string {
  let t = text;
  t = t.replace(/this\.listener\s*===\s*null/g, () => { count.fast++; count.files.add(file); return 'true'; });
  t = t.replace(/this\.listener\s*!==\s*null/g, () => { count.fast++; count.files.add(file); return 'false'; });
  t = t.replace(/=\s*this\.listener\s*;/g, () => { count.sites++; count.files.add(file); return '= null;'; });
  return t;
}

/** Reads of the field left after stripping (anything but an assignment to it). */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (f.endsWith('.js')) {
        for (const line of readFileSync(f, 'utf8').split('\n')) {
          if (/this\.listener\b/.test(line) && !/this\.listener\s*=[^=]/.test(line)) out.push(`${e.name}: ${line.trim()}`);
        }
      }
    }
  };
  walk(dir);
  return out;
}

function countEvents(mod: HeapflowModule): number {
  const h = mod.createHeap({ initialSize: 1 << 20, maxSize: 1 << 20 });
  let n = 0;
  h.onEvent(() => n++);
  const ps: number[] = [];
  for (let i = 0; i < 200; i++) ps.push(h.malloc(8 + ((i * 37) % 3000)));
  for (let i = 0; i < ps.length; i += 2) h.free(ps[i]);
  for (let i = 0; i < 100; i++) ps[i * 2] = h.malloc(16 + i);
  for (let i = 1; i < ps.length; i += 2) ps[i] = h.realloc(ps[i], 5000);
  for (const p of ps) h.free(p);
  return n;
}

export async function makeHookVariant(_repo: string, log: (s: string) => void): Promise<HookVariant> {
  const count = { sites: 0, fast: 0, files: new Set<string>() };
  try {
    const grepSrc = leftovers(HEAPFLOW_SRC);
    if (!grepSrc.length) return { mod: null, msg: `the compiled core has no \`${FIELD}\` field to strip: variant unavailable.`, guard: null };
    const mod = await loadHeapflowCopy('hook-off', (f, t) => stripHook(t, count, f.split('/').slice(-2).join('/')));
    const left = leftovers(join(BENCH_OUT, 'mod', 'hook-off', 'src'));
    if (left.length) return { mod: null, msg: `reads of \`${FIELD}\` the rewrite does not cover: ${left.slice(0, 3).join(' | ')}: variant unavailable.`, guard: null };
    const ref = await loadHeapflowCopy('hook-check');
    const evRef = countEvents(ref);
    const evOff = countEvents(mod);
    if (evRef === 0) return { mod: null, msg: 'the unmodified core emitted no events in the self-check: variant unavailable.', guard: null };
    if (evOff !== 0) return { mod: null, msg: `stripping left ${evOff} events being emitted: variant unavailable.`, guard: null };
    const msg = `a copy of the compiled core in which every read of \`${FIELD}\` is the constant \`null\` ` +
      `(${count.sites} emission sites \`const ev = this.listener\` and ${count.fast} checks \`this.listener === null\` / \`!== null\`, in ${[...count.files].join(', ')}); ` +
      `self-check: a listener on it receives 0 events (the unmodified core: ${evRef}).`;
    log(`hook-off variant: ${count.sites} sites + ${count.fast} checks stripped; self-check ok`);
    return { mod, msg, guard: '`const ev = this.listener; if (ev !== null) ev({...})` per emission site, or `if (this.listener !== null) this.emit…(…)` on the hot paths; `this.listener === null` on the malloc fast path' };
  } catch (e) {
    return { mod: null, msg: `could not build the variant: ${(e as Error).message}`, guard: null };
  }
}

/**
 * The playground's little language, turned into a trace:
 *
 *   p = malloc(40)      p1 = calloc(4, 10)      q = realloc(p, 100)      free(p)
 *   malloc(40)          (named p1, p2, ... in order)
 *
 * One call per line; `#` starts a comment. `realloc(p, n)` keeps the name p unless the
 * line assigns another. A pasted `.rep` trace (its first line a number) is parsed as such.
 */
import { parseRep } from '../../trace/rep.js';
import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from '../../trace/types.js';

/** A playground line that is not a call the language knows: names the line and why. */
export class PlaygroundError extends Error {
  constructor(readonly line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'PlaygroundError';
  }
}

const CALL = /^(?:([A-Za-z_]\w*)\s*=\s*)?(malloc|calloc|realloc|free)\s*\(\s*([^)]*)\)\s*;?$/;
const MAX_SIZE = 2 ** 32;

export function parsePlayground(text: string): Trace {
  if (/^\s*\d/.test(text)) return parseRep(text.trim() + '\n', 'playground');
  const kinds: number[] = [], ids: number[] = [], sizes: number[] = [];
  const idOf = new Map<string, number>();
  let nextId = 0, auto = 0;
  const lines = text.split('\n');
  for (let ln = 1; ln <= lines.length; ln++) {
    const src = (lines[ln - 1] ?? '').replace(/#.*/, '').trim();
    if (src === '') continue;
    const m = CALL.exec(src);
    if (!m) throw new PlaygroundError(ln, `expected malloc(n), calloc(n, size), realloc(p, n) or free(p), got '${src}'`);
    const [, target, fn, argText] = m as unknown as [string, string | undefined, string, string];
    const args = argText.split(',').map((a) => a.trim()).filter((a) => a !== '');
    const size = (a: string | undefined): number => {
      if (a === undefined || !/^\d+$/.test(a) || Number(a) >= MAX_SIZE) throw new PlaygroundError(ln, `${fn}: expected a size in bytes (a whole number below 2^32), got '${a ?? ''}'`);
      return Number(a);
    };
    const live = (name: string | undefined): number => {
      const id = name === undefined ? undefined : idOf.get(name);
      if (id === undefined) throw new PlaygroundError(ln, `${fn}: '${name ?? ''}' is not a live pointer${idOf.size ? ` (live: ${[...idOf.keys()].join(', ')})` : ''}`);
      return id;
    };
    const arity = fn === 'free' || fn === 'malloc' ? 1 : 2;
    if (args.length !== arity) throw new PlaygroundError(ln, `${fn} takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`);
    if (fn === 'free' && target !== undefined) throw new PlaygroundError(ln, 'free returns nothing to assign');
    if (fn === 'malloc' || fn === 'calloc') {
      const bytes = fn === 'malloc' ? size(args[0]) : size(args[0]) * size(args[1]);
      const name = target ?? `p${++auto}`;
      if (idOf.has(name)) throw new PlaygroundError(ln, `'${name}' still holds a live block: free it first, or use another name`);
      idOf.set(name, nextId);
      kinds.push(OP_ALLOC); ids.push(nextId++); sizes.push(bytes);
    } else if (fn === 'free') {
      const id = live(args[0]);
      idOf.delete(args[0] as string);
      kinds.push(OP_FREE); ids.push(id); sizes.push(0);
    } else {
      const id = live(args[0]);
      const bytes = size(args[1]);
      if (target !== undefined && target !== args[0]) {
        if (idOf.has(target)) throw new PlaygroundError(ln, `'${target}' still holds a live block`);
        idOf.delete(args[0] as string);
        idOf.set(target, id);
      }
      kinds.push(OP_REALLOC); ids.push(id); sizes.push(bytes);
    }
  }
  return {
    source: 'playground', suggestedHeapSize: 0, idCount: Math.max(1, nextId), weight: 0, length: kinds.length,
    kinds: Uint8Array.from(kinds), ids: Uint32Array.from(ids), sizes: Float64Array.from(sizes),
  };
}

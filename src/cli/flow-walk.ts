/**
 * `demo`'s narrated walk: a few calls on a fresh heap that together take every step of the
 * flow (request, bin, split, grow, page run, free, coalesce, trim), each step told from the
 * event heap.onEvent gives for it.
 */

import { createHeap, type HeapEvent } from '../index.js';

/** The calls of the walk, in order; each returns nothing or a pointer kept under its name. */
interface Call {
  label: string;
  why: string;
  run: (heap: ReturnType<typeof createHeap>, ptrs: Map<string, number>) => void;
}

const CALLS: readonly Call[] = [
  { label: 'a = malloc(3000)', why: 'a fresh heap has nothing free', run: (h, p) => p.set('a', h.malloc(3000)) },
  { label: 'b = malloc(3000)', why: 'a neighbour, so that a is not at the top when freed', run: (h, p) => p.set('b', h.malloc(3000)) },
  { label: 'free(a)', why: 'a goes to a bin', run: (h, p) => h.free(p.get('a') ?? 0) },
  { label: 'c = malloc(1000)', why: 'smaller than a: a is reused and split', run: (h, p) => p.set('c', h.malloc(1000)) },
  { label: 'd = malloc(200000)', why: 'a big request', run: (h, p) => p.set('d', h.malloc(200_000)) },
  { label: 'free(d)', why: 'a page run goes back at once', run: (h, p) => h.free(p.get('d') ?? 0) },
  { label: 'free(c)', why: 'its neighbour, the rest of a, is free', run: (h, p) => h.free(p.get('c') ?? 0) },
  { label: 'free(b)', why: 'the last block: all merges into one free block', run: (h, p) => h.free(p.get('b') ?? 0) },
  { label: 'trim()', why: 'a free top under trimThreshold stays until asked for', run: (h) => { h.trim(); } },
];

/** The walk as text: each call, why it is there, and one line per event. */
export function walkThroughTheFlow(): string {
  const heap = createHeap({ maxSize: 1 << 20 });
  const ptrs = new Map<string, number>();
  const events: HeapEvent[] = [];
  heap.onEvent((event) => events.push(event));
  const lines = ['A walk through the flow on a fresh heap (each indented line is one event from heap.onEvent):', ''];
  for (const call of CALLS) {
    events.length = 0;
    call.run(heap, ptrs);
    lines.push(`  ${call.label.padEnd(20)} (${call.why})`);
    for (const event of events) lines.push(`      ${describeEvent(event)}`);
  }
  heap.check();
  return `${lines.join('\n')}\n`;
}

/** One event in words, led by the name of its step. */
export function describeEvent(e: HeapEvent): string {
  const step = (name: string, text: string): string => `${name.padEnd(9)} ${text}`;
  switch (e.type) {
    case 'malloc': return step('request', `${e.size} bytes need a ${e.chunk}-byte block (an 8-byte header, rounded up to 8)`);
    case 'bin': return e.bin >= 0
      ? step('bin', `the exact small bin of ${e.binSize}-byte blocks: ${e.hit ? 'a freed block is there' : 'empty'}`)
      : step('bin', `the large bins (two-level segregated fit) for ${e.binSize} bytes: ${e.hit ? 'a free block fits' : 'nothing fits'}`);
    case 'split': return step('split', `the free block at ${e.block} is cut: ${e.size} bytes taken, the ${e.remainder}-byte rest goes back to a bin`);
    case 'grow': return step('grow', `the break moves up ${e.from} -> ${e.to} (+${e.to - e.from} bytes; the backing holds ${e.backing})`);
    case 'map': return step('page run', `at least mmapThreshold: a page-aligned run of ${e.size} bytes of its own at ${e.ptr}`);
    case 'unmap': return step('unmap', `the page run at ${e.ptr} (${e.size} bytes) is given back at once`);
    case 'done': return step('done', `-> ${e.ptr} (${e.reused ? 'a reused block' : 'new memory'}, ${e.size} bytes)`);
    case 'free': return step('free', `the ${e.size}-byte block at ${e.ptr}`);
    case 'coalesce': return step('coalesce', `merged with the free ${neighbours(e.prev !== 0, e.next !== 0)} (boundary tags): one free block of ${e.size} bytes at ${e.block}`);
    case 'realloc': return step('realloc', `${e.ptr} to ${e.size} bytes -> ${e.result}${e.inPlace ? ' (in place)' : ' (moved)'}`);
    case 'trim': return step('trim', `the free top goes back to the backing: the break moves down ${e.from} -> ${e.to} (${e.released} bytes)`);
    default: return step((e as { type: string }).type, JSON.stringify(e));
  }
}

function neighbours(before: boolean, after: boolean): string {
  if (before && after) return 'blocks on both sides';
  return before ? 'block before it' : 'block after it';
}

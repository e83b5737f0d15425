/**
 * The classic manual-memory pitfalls, one small program each, run under heapflow's
 * debug mode; prints the report of each (the text of docs/debugging.md).
 *
 *   npm run build:test && node .build/examples/debug-pitfalls.js [name]
 */
import { createHeap, HeapDebugError, type DebugHeap } from 'heapflow';

const debug = { stackDepth: 3 } as const;

function overflow(heap: DebugHeap): void {
  const name = heap.malloc(13);                  // room for 12 chars + a terminator...
  heap.u8.set(new TextEncoder().encode('hello, world!'), name); // ...but 13 chars
  heap.u8[name + 13] = 0;                        // the terminator lands past the end
  heap.free(name);
}

function underflow(heap: DebugHeap): void {
  const a = heap.malloc(10 * 4);
  const i32 = heap.i32;
  for (let i = 10; i > 0; i--) i32[(a >> 2) + i - 1 - 1] = i; // off by one: writes a[-1]
  heap.free(a);
}

function useAfterFree(heap: DebugHeap): void {
  const node = heap.malloc(16);
  heap.free(node);
  heap.u32[(node + 8) >> 2] = 42;               // node.next = 42, after free
  heap.check();                                  // (or: the block leaves quarantine later)
}

function doubleFree(heap: DebugHeap): void {
  const buf = heap.malloc(64);
  heap.free(buf);
  // ... later, on an error path ...
  heap.free(buf);
}

function badFree(heap: DebugHeap): void {
  const s = heap.malloc(32);
  const rest = s + 8;                            // a pointer into the middle
  heap.free(rest);
}

function uninitialized(heap: DebugHeap): void {
  const mem = heap.checked();
  const point = heap.malloc(16);                 // { x: f64, y: f64 }
  mem.setFloat64(point, 1.5);                    // sets x only
  console.log(mem.getFloat64(point + 8));        // reads y: never written
}

function leak(heap: DebugHeap): void {
  const mark = heap.mark();
  for (let i = 0; i < 3; i++) {
    const tmp = heap.malloc(100);                // freed on the happy path only
    if (i !== 1) heap.free(tmp);
  }
  heap.checkLeaks(mark);
}

const PITFALLS: Record<string, (heap: DebugHeap) => void> = {
  overflow, underflow, 'use-after-free': useAfterFree, 'double-free': doubleFree, 'bad-free': badFree,
  uninitialized, leak,
};

const only = process.argv[2];
for (const [name, program] of Object.entries(PITFALLS)) {
  if (only !== undefined && only !== name) continue;
  const heap = createHeap({ debug });
  try {
    program(heap);
    console.log(`${name}: no report`);
  } catch (error) {
    if (!(error instanceof HeapDebugError)) throw error;
    console.log(`── ${name}\n${error.report.toString()}\n`);
  }
}

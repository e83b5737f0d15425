/**
 * `heapflow replay --map`: each trace's heap after its last op as one line of block-state
 * characters, scaled to the terminal's width, with the legend of the characters used.
 */
import { createHeap, type HeapOptions } from '../index.js';
import { terminalLegend, terminalMap } from '../report/terminal-map.js';
import { OP_ALLOC, OP_FREE, type Trace } from '../trace/types.js';

/** The lines printed for one trace: its name, the map between bars, the legend. */
export function mapLines(label: string, trace: Trace, options: HeapOptions, columns: number): string[] {
  const heap = createHeap(options);
  const ptr = new Float64Array(trace.idCount);
  for (let i = 0; i < trace.length; i++) {
    const id = trace.ids[i] as number;
    if (trace.kinds[i] === OP_ALLOC) ptr[id] = heap.malloc(trace.sizes[i] as number);
    else if (trace.kinds[i] === OP_FREE) heap.free(ptr[id] as number);
    else ptr[id] = heap.realloc(ptr[id] as number, trace.sizes[i] as number) || (ptr[id] as number);
  }
  const blocks = heap.blocks();
  const width = Math.max(10, columns - 2);
  return [`${label}: heap after ${trace.length} ops, ${heap.stats().heapSize} bytes, ${blocks.length} blocks`, `|${terminalMap(blocks, width)}|`, `  ${terminalLegend(blocks)}`];
}

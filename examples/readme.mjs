// The README's example, as it is there: `npm run build && node examples/readme.mjs`
// (or, in an app that installed heapflow: `node node_modules/heapflow/examples/readme.mjs`).
import { createHeap } from 'heapflow';

const heap = createHeap({ backing: 'arraybuffer', maxSize: 64 << 20 });
const p = heap.malloc(10 * 8);                 // 80 bytes, 8-aligned; 0 if out of memory
const xs = heap.view(p, Float64Array, 10);     // a Float64Array over the block
xs.fill(1.5);
const q = heap.realloc(p, 20 * 8);             // grows in place when it can; contents kept
heap.free(q);
console.log(heap.stats().liveBlocks, heap.stats().heapSize);
heap.check();                                  // walks everything; throws HeapCorruptionError if broken

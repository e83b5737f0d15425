// Two Heap objects over the same memory: the second one finds the heap by its header.
//   npm run build && node examples/attach.mjs
import { attachHeap, createHeap, heapErrorCode } from 'heapflow';

const heap = createHeap({ backing: 'resizable', maxSize: 16 << 20 });
const p = heap.malloc(64);
heap.u32[p >> 2] = 0xc0ffee;

const other = attachHeap(heap.memory);         // sees the same blocks
console.log(`through the second Heap: 0x${other.u32[p >> 2].toString(16)}`);
other.free(p);                                 // either Heap may free it
const big = other.malloc(1 << 20);             // grows the (resizable) buffer in place
console.log(`the first Heap sees the growth: live blocks ${heap.stats().liveBlocks}, heap ${heap.stats().heapSize} bytes`);
heap.free(big);
heap.check();

// Memory that holds no heap: a HeapError with code BAD_HEAP_MEMORY.
try {
  attachHeap(new ArrayBuffer(65536));
} catch (err) {
  console.log(`attach to empty memory: ${heapErrorCode(err)}`);
}

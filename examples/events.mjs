// Watching the flow: every step of malloc and free as an event.
//   npm run build && node examples/events.mjs
import { createHeap } from 'heapflow';

const heap = createHeap({ maxSize: 1 << 20 });
const seen = new Set();
const unsubscribe = heap.onEvent((event) => {
  seen.add(event.type);
  console.log(event.type.padEnd(9), JSON.stringify(event));
});

const a = heap.malloc(3000);           // request -> bin (miss) -> grow: the break moves up
const b = heap.malloc(3000);           // a neighbour, so that a is not at the top when freed
heap.free(a);                          // a goes to a bin
const c = heap.malloc(1000);           // bin hit: a is split, the rest goes back to a bin
const big = heap.malloc(200_000);      // above mmapThreshold: a page run of its own (map)
heap.free(big);                        // unmap
heap.free(c);                          // coalesce with the free rest of a
heap.free(b);                          // coalesce with the top: trim gives it back
unsubscribe();

console.log(`steps seen: ${[...seen].join(', ')}`);
heap.check();

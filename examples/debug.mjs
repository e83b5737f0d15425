// Debug mode: a one-byte overflow caught and reported like AddressSanitizer does.
//   npm run build && node examples/debug.mjs
import { createHeap, HeapDebugError } from 'heapflow';

const heap = createHeap({ debug: { stackDepth: 4 } });
const name = heap.malloc(5);                                   // room for "hello"...
heap.u8.set(new TextEncoder().encode('hello!'), name);         // ...but 6 bytes are written
try {
  heap.free(name);                                             // the redzone is checked here
} catch (err) {
  if (!(err instanceof HeapDebugError)) throw err;
  console.log(String(err.report));
  console.log(`kind: ${err.report.kind}, code: ${err.code}`);
}

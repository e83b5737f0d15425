// The README's virtual-allocator example, as it is there, type-checked by `npm run build:test`
// (into .build/examples/virtual.js) and run by test/virtual-readme.test.ts.
import { createVirtualAllocator } from 'heapflow';

// Sub-allocate a 64 MiB GPUBuffer (or any memory heapflow does not own): offsets only.
const va = createVirtualAllocator({ size: 64 << 20, minAlignment: 256 });
const mesh = va.alloc(3000);               // a 256-aligned offset, or -1 if no free range can hold it
const table = va.alloc(100, 4096);         // a stricter alignment for this one
va.free(mesh);
console.log(mesh, table, va.sizeOf(table), va.stats().freeRanges);
va.grow(128 << 20);                        // the buffer was re-created larger: offsets stay valid
va.check();                                // walks the side arrays; throws HeapCorruptionError if broken

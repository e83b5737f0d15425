// A heap inside a WebAssembly.Memory, above the module's own data: `base` is where it starts.
//   npm run build && node examples/wasm-base.mjs
import { attachHeap, createHeap } from 'heapflow';

// A module with 1 MiB of static data and stack at the bottom of its memory (here just made up).
const memory = new WebAssembly.Memory({ initial: 17, maximum: 1024 });
const base = 1 << 20;

const heap = createHeap({ backing: 'wasm', memory, base });
const p = heap.malloc(256);
console.log(`first block at ${p} (above base ${base}); memory ${memory.buffer.byteLength} bytes`);
new Uint8Array(memory.buffer, p, 5).set([104, 101, 108, 108, 111]); // what C code of the module would see at p
heap.malloc(4 << 20);                                                  // grows the memory: memory.grow
console.log(`after a 4 MiB malloc: memory ${memory.buffer.byteLength} bytes`);

// A second Heap (another part of the app, or a Heap made after a reload of this JS) must be
// given the same base: the bytes below base belong to the module, so nothing of heapflow is there.
const again = attachHeap(memory, { base });
console.log(`attached at base ${base}: ${again.stats().liveBlocks} live blocks, the first says "${new TextDecoder().decode(again.u8.subarray(p, p + 5))}"`);
again.check();

// Instantiates program.wasm with heapflow as its malloc: the module's own memory is the
// heap's backing, from __heap_base up (below it: the module's data and stack).
import { readFileSync } from 'node:fs';
import { createHeap } from 'heapflow';

export function loadProgram(wasmPath) {
  let heap; // made as soon as the module's memory exists; no import runs before that
  const env = {
    // wasm32 passes sizes and pointers as i32: `>>> 0` reads them unsigned.
    malloc: (size) => heap.malloc(size >>> 0),
    calloc: (count, size) => heap.calloc(count >>> 0, size >>> 0),
    realloc: (ptr, size) => heap.realloc(ptr >>> 0, size >>> 0),
    free: (ptr) => heap.free(ptr >>> 0),
    fail: (ptr, length) => {
      throw new Error(`the C program failed: ${new TextDecoder().decode(heap.u8.subarray(ptr >>> 0, (ptr >>> 0) + length))}`);
    },
    noop: () => {},
  };
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { env });
  const { memory, __heap_base } = instance.exports;
  heap = createHeap({ backing: 'wasm', memory, base: __heap_base.value });
  return { exports: instance.exports, heap, memory, base: __heap_base.value };
}

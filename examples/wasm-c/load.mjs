// Instantiates program.wasm with heapflow as its malloc: the module's own memory is the
// heap's backing, from __heap_base up (below it: the module's data and stack).
// With { record: true }, every call is also recorded as a heapflow trace (record.mjs).
import { readFileSync } from 'node:fs';
import { createHeap } from 'heapflow';
import { AllocationRecorder } from './record.mjs';

/** `wasm`: the path of program.wasm, or the WebAssembly.Module compiled from it. */
export function loadProgram(wasm, { record = false } = {}) {
  let heap; // made as soon as the module's memory exists; no import runs before that
  let recorder = null;
  // wasm32 passes sizes and pointers as i32: `>>> 0` reads them unsigned. The last argument
  // of each allocator call is its C call site (mini-libc.h), used only when recording.
  const plain = {
    malloc: (size) => heap.malloc(size >>> 0),
    calloc: (count, size) => heap.calloc(count >>> 0, size >>> 0),
    realloc: (ptr, size) => heap.realloc(ptr >>> 0, size >>> 0),
    free: (ptr) => heap.free(ptr >>> 0),
  };
  const recorded = {
    malloc: (size, site) => {
      const p = heap.malloc(size >>> 0);
      recorder.malloc(p, size >>> 0, site >>> 0);
      return p;
    },
    calloc: (count, size, site) => {
      const p = heap.calloc(count >>> 0, size >>> 0);
      recorder.malloc(p, (count >>> 0) * (size >>> 0), site >>> 0);
      return p;
    },
    realloc: (ptr, size, site) => {
      const q = heap.realloc(ptr >>> 0, size >>> 0);
      recorder.realloc(ptr >>> 0, q, size >>> 0, site >>> 0);
      return q;
    },
    free: (ptr, site) => {
      heap.free(ptr >>> 0);
      recorder.free(ptr >>> 0, site >>> 0);
    },
  };
  const env = {
    ...(record ? recorded : plain),
    fail: (ptr, length) => {
      throw new Error(`the C program failed: ${new TextDecoder().decode(heap.u8.subarray(ptr >>> 0, (ptr >>> 0) + length))}`);
    },
    noop: () => {},
  };
  const module = wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(readFileSync(wasm));
  const instance = new WebAssembly.Instance(module, { env });
  const { memory, __heap_base } = instance.exports;
  const base = __heap_base.value;
  heap = createHeap({ backing: 'wasm', memory, base });
  if (record) recorder = new AllocationRecorder(memory, { source: 'examples/wasm-c program.wasm', 'heap-base': base });
  return { exports: instance.exports, heap, memory, base, recorder };
}

// Worker side of examples/workers/main.mjs.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { attachHeap } from 'heapflow';

// attachHeap sees a thread-shared heap and returns this thread's own heap (its arena).
// threadId lets the main thread reclaim it if this worker dies without detach().
const heap = attachHeap(workerData.memory, { threadId });

const vectors = [];
for (let i = 0; i < workerData.vectors; i++) {
  const length = 16 + (i % 200);
  const ptr = heap.malloc(length * 8);
  heap.view(ptr, Float64Array, length).fill(1); // write through a typed view of the block
  if (i % 3 === 0) {
    heap.free(ptr); // some are freed here, at once
    continue;
  }
  vectors.push({ ptr, length });
}

// Done allocating: empty pages go back to the shared pool; the blocks still live
// (the ones sent to the main thread) stay valid, and are collected when freed.
heap.detach();
parentPort.postMessage({ name: workerData.name, vectors });

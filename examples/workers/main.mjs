// A heap shared by worker threads: `npm run build && node examples/workers/main.mjs`.
//
// The main thread creates the heap and posts its memory (a growable SharedArrayBuffer)
// to two workers. Each worker attaches, allocates vectors of float64 in the shared heap
// and sends back only their pointers (plain numbers). The main thread reads them and
// frees them: blocks allocated by another thread go back to that thread's arena.
import { Worker } from 'node:worker_threads';
import { createSharedHeap } from 'heapflow';

const heap = createSharedHeap({ maxSize: 256 << 20 });

function startWorker(name) {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { memory: heap.memory, name, vectors: 1000 },
  });
  // If a worker dies without detach() (terminate(), a crash), release what it held.
  // (Read threadId now: it is -1 once the worker has exited.)
  const id = worker.threadId;
  worker.on('exit', () => heap.reclaimThread(id));
  return new Promise((resolve, reject) => {
    worker.on('message', resolve);
    worker.on('error', reject);
  });
}

const results = await Promise.all([startWorker('a'), startWorker('b')]);

let total = 0;
let blocks = 0;
for (const { name, vectors } of results) {
  for (const { ptr, length } of vectors) {
    const xs = heap.view(ptr, Float64Array, length); // a view over the worker's block
    for (const x of xs) total += x;
    heap.free(ptr); // allocated by another thread: handed back to its arena, lock-free
    blocks++;
  }
  console.log(`worker ${name}: ${vectors.length} vectors received`);
}
console.log(`sum of every element: ${total}, ${blocks} blocks freed by the main thread`);

heap.check(); // the workers are gone: the heap is quiescent
const s = heap.stats();
console.log(`live blocks ${s.liveBlocks}, heap ${(s.heapSize / 2 ** 20).toFixed(1)} MiB, arenas in use ${s.arenas.length}`);

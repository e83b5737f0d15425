// The page's script (examples/browser/index.html): a heap, a few blocks, a map of them.
import { createHeap } from 'heapflow';

const heap = createHeap({ maxSize: 16 << 20 });
const lines = [];
const blocks = [100, 2000, 30, 400].map((size) => heap.malloc(size));
heap.free(blocks[1]);
for (const b of heap.blocks()) lines.push(`${String(b.ptr).padStart(6)}  ${b.state.padEnd(6)} ${b.size} bytes`);
heap.check();
const s = heap.stats();
lines.push(`live blocks ${s.liveBlocks}, heap ${s.heapSize} bytes`, 'ok');
document.getElementById('out').textContent = lines.join('\n');

/**
 * Worker of the thread-shared heap stress tests (test/threads-stress.test.ts) and
 * of the stress mode of bench/threads. Compiled to .build/test/support/threads-worker.js.
 *
 * Phase "run" (starts at once, for workerData.ms): random malloc / calloc /
 * realloc / free at full speed; every block gets a pattern derived from a seed,
 * verified before every free and realloc; a share of blocks is handed to other
 * workers through rings that live in the shared heap itself, and the receiver
 * verifies and frees (or reallocs) them. Then it obeys commands from the parent:
 *   drain    take every block still in the incoming rings (all producers stopped)
 *   collect  heap.trim(): collect the blocks others freed into this arena
 *   freeall  verify and free every block it holds (a share through another worker's ring is not
 *            possible any more, so all of them are freed here, many cross-thread)
 *   detach   heap.detach()
 * Replies carry the live count and bytes it holds, so the parent can compare
 * them with the heap's statistics.
 */
import { isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { attachHeap, type Heap } from '../../src/index.js';

export interface StressWorkerData {
  memory: SharedArrayBuffer;
  index: number;
  workers: number;
  /** Byte offset of the rings block (workers * workers rings). */
  rings: number;
  ringSlots: number;
  ms: number;
  seed: number;
  /** Probability that a block is handed to another worker instead of freed here. */
  handoff: number;
  /** Upper bound of live blocks kept by this worker. */
  maxLive: number;
  /** Hold the global lock forever (to test reclaimThread breaking it). */
  holdLock?: boolean;
  /** Post the heap's live-block counter into this Int32Array index after each op (for the terminate test). */
  countSlot?: number;
}

export const RING_HEADER_WORDS = 2; // head (consumer), tail (producer)
export const SLOT_WORDS = 3; // ptr, size, seed

export function ringWords(slots: number): number {
  return RING_HEADER_WORDS + slots * SLOT_WORDS;
}

if (!isMainThread && parentPort && workerData && (workerData as { kind?: string }).kind === 'threads-stress') {
  run(workerData as StressWorkerData, parentPort);
}

function run(d: StressWorkerData, port: NonNullable<typeof parentPort>): void {
  const heap: Heap = attachHeap(d.memory, { threadId });
  const i32 = new Int32Array(d.memory, 0, d.memory.byteLength >>> 2);
  let rng = (d.seed ^ 0x9e3779b9) >>> 0 || 1;
  const rand = (): number => {
    rng = (rng ^ (rng << 13)) >>> 0;
    rng = (rng ^ (rng >>> 17)) >>> 0;
    rng = (rng ^ (rng << 5)) >>> 0;
    return rng / 4294967296;
  };
  const ptrs: number[] = [];
  const sizes: number[] = [];
  const seeds: number[] = [];
  let liveBytes = 0;
  let ops = 0;
  let handed = 0;
  let received = 0;
  let verified = 0;
  const ringW = ringWords(d.ringSlots);
  const ringBase = (from: number, to: number): number => (d.rings >>> 2) + (from * d.workers + to) * ringW;

  function fill(p: number, n: number, seed: number): void {
    const u8 = heap.u8;
    if (n <= 4096) {
      for (let i = 0; i < n; i++) u8[p + i] = (seed + i * 31) & 255;
    } else {
      for (let i = 0; i < 2048; i++) u8[p + i] = (seed + i * 31) & 255;
      for (let i = n - 2048; i < n; i++) u8[p + i] = (seed + i * 31) & 255;
      for (let i = 2048; i < n - 2048; i += 997) u8[p + i] = (seed + i * 31) & 255;
    }
  }

  function verify(p: number, n: number, seed: number, upTo = n): void {
    const u8 = heap.u8;
    const m = Math.min(n, upTo);
    const check = (i: number): void => {
      if (u8[p + i] !== ((seed + i * 31) & 255)) {
        throw new Error(`worker ${d.index}: block ${p} (${n} bytes) byte ${i} is ${u8[p + i]}, expected ${(seed + i * 31) & 255}`);
      }
    };
    if (n <= 4096) {
      for (let i = 0; i < m; i++) check(i);
    } else {
      for (let i = 0; i < Math.min(2048, m); i++) check(i);
      for (let i = n - 2048; i < m; i++) check(i);
      for (let i = 2048; i < n - 2048 && i < m; i += 997) check(i);
    }
    verified++;
  }

  function randomSize(): number {
    const r = rand();
    if (r < 0.6) return Math.floor(rand() * 128);
    if (r < 0.95) return 128 + Math.floor(rand() * 4000);
    if (r < 0.995) return 4096 + Math.floor(rand() * 28000);
    return 40000 + Math.floor(rand() * 200000);
  }

  function allocate(): void {
    const n = randomSize();
    const seed = Math.floor(rand() * 256);
    const zeroed = rand() < 0.1;
    const p = zeroed ? heap.calloc(1, n) : heap.malloc(n);
    if (p === 0) return;
    if (zeroed) {
      const u8 = heap.u8;
      for (let i = 0; i < n; i += 61) if (u8[p + i] !== 0) throw new Error(`worker ${d.index}: calloc block ${p} byte ${i} is not zero`);
    }
    fill(p, n, seed);
    ptrs.push(p); sizes.push(n); seeds.push(seed);
    liveBytes += n;
  }

  function takeAt(k: number): [number, number, number] {
    const last = ptrs.length - 1;
    const out: [number, number, number] = [ptrs[k], sizes[k], seeds[k]];
    ptrs[k] = ptrs[last]; sizes[k] = sizes[last]; seeds[k] = seeds[last];
    ptrs.pop(); sizes.pop(); seeds.pop();
    liveBytes -= out[1];
    return out;
  }

  function handOff(p: number, n: number, seed: number): boolean {
    let to = Math.floor(rand() * (d.workers - 1));
    if (to >= d.index) to++;
    const r = ringBase(d.index, to);
    const head = Atomics.load(i32, r);
    const tail = i32[r + 1];
    if (tail - head >= d.ringSlots) return false; // full
    const s = r + RING_HEADER_WORDS + (tail % d.ringSlots) * SLOT_WORDS;
    i32[s] = p; i32[s + 1] = n; i32[s + 2] = seed;
    Atomics.store(i32, r + 1, tail + 1); // publishes the slot (and the block's contents)
    handed++;
    return true;
  }

  function receive(limit: number): number {
    let got = 0;
    for (let from = 0; from < d.workers; from++) {
      if (from === d.index) continue;
      const r = ringBase(from, d.index);
      let head = i32[r];
      const tail = Atomics.load(i32, r + 1);
      while (head < tail && got < limit) {
        const s = r + RING_HEADER_WORDS + (head % d.ringSlots) * SLOT_WORDS;
        const p = i32[s] >>> 0; const n = i32[s + 1]; const seed = i32[s + 2];
        head++;
        Atomics.store(i32, r, head);
        verify(p, n, seed);
        received++;
        if (rand() < 0.2) {
          // realloc a block another thread allocated: moves it into this arena
          const m = randomSize();
          const q = heap.realloc(p, m);
          if (q === 0) { if (m !== 0) heap.free(p); continue; }
          verify(q, n, seed, m);
          fill(q, m, seed);
          ptrs.push(q); sizes.push(m); seeds.push(seed); liveBytes += m;
        } else {
          heap.free(p);
        }
        got++;
      }
    }
    return got;
  }

  function step(): void {
    const r = rand();
    if (ptrs.length < d.maxLive && (r < 0.5 || ptrs.length === 0)) {
      allocate();
    } else if (r < 0.8) {
      const [p, n, seed] = takeAt(Math.floor(rand() * ptrs.length));
      verify(p, n, seed);
      if (d.workers > 1 && rand() < d.handoff && handOff(p, n, seed)) return;
      heap.free(p);
    } else if (r < 0.9) {
      const k = Math.floor(rand() * ptrs.length);
      const [p, n, seed] = takeAt(k);
      verify(p, n, seed);
      const m = randomSize();
      const q = heap.realloc(p, m);
      if (q === 0) {
        if (m === 0) return; // realloc(p, 0) freed it
        ptrs.push(p); sizes.push(n); seeds.push(seed); liveBytes += n;
        return;
      }
      verify(q, n, seed, m);
      fill(q, m, seed);
      ptrs.push(q); sizes.push(m); seeds.push(seed); liveBytes += m;
    } else {
      receive(8);
    }
  }

  if (d.holdLock) {
    // pretend to die inside a critical section: take the lock (as lock.ts does) and never let go
    Atomics.store(i32, 13, threadId + 1);
    port.postMessage({ type: 'holding' });
    for (;;) { /* terminated by the parent */ }
  }

  const end = Date.now() + d.ms;
  while (Date.now() < end) {
    for (let i = 0; i < 256; i++) {
      step();
      ops++;
    }
    if (d.countSlot !== undefined) Atomics.store(i32, d.countSlot, ptrs.length);
  }
  const reply = (type: string): void => port.postMessage({
    type, live: ptrs.length, liveBytes, ops, handed, received, verified, threadId, arena: (heap as unknown as { arenaId: number }).arenaId,
  });
  reply('ran');
  port.on('message', (cmd: string) => {
    try {
      if (cmd === 'drain') {
        while (receive(1 << 30) > 0) { /* until empty */ }
      } else if (cmd === 'collect') {
        heap.trim();
      } else if (cmd === 'verifyall') {
        for (let k = 0; k < ptrs.length; k++) verify(ptrs[k], sizes[k], seeds[k]);
      } else if (cmd === 'freeall') {
        while (ptrs.length > 0) {
          const [p, n, seed] = takeAt(ptrs.length - 1);
          verify(p, n, seed);
          heap.free(p);
        }
      } else if (cmd === 'detach') {
        (heap as unknown as { detach(): void }).detach();
      }
      reply(cmd);
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
    }
  });
}

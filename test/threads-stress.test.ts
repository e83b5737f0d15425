/**
 * The thread-shared heap under real concurrency: worker_threads doing random
 * malloc / calloc / realloc / free with patterns at full speed, blocks handed
 * between workers through rings in the shared heap and freed or realloc'd there;
 * then every pattern verified, check() clean, live counts equal to what the
 * workers hold, and the whole heap allocatable again. Plus a worker terminated
 * mid-run and one that dies holding the global lock (reclaimThread).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { attachHeap, createSharedHeap, type SharedHeap } from '../src/index.js';
import { ringWords, type StressWorkerData } from './support/threads-worker.js';

const WORKER_URL = new URL('./support/threads-worker.js', import.meta.url);
const PAGE = 65536;

interface Reply { type: string; live: number; liveBytes: number; ops: number; handed: number; received: number; verified: number; threadId: number; arena: number; message?: string }

class Pool {
  readonly workers: Worker[] = [];
  private readonly queues: Reply[][] = [];
  private readonly waiters: ((r: Reply) => void)[][] = [];
  readonly errors: Error[] = [];

  constructor(count: number, data: (index: number) => Omit<StressWorkerData, 'index'>) {
    for (let i = 0; i < count; i++) this.spawn(i, data(i));
  }

  spawn(i: number, data: Omit<StressWorkerData, 'index'>): Worker {
    const w = new Worker(WORKER_URL, { workerData: { kind: 'threads-stress', index: i, ...data } });
    this.workers[i] = w;
    this.queues[i] = [];
    this.waiters[i] = [];
    w.on('message', (m: Reply) => {
      if (m.type === 'error') { this.errors.push(new Error(`worker ${i}: ${m.message}`)); return; }
      const waiter = this.waiters[i].shift();
      if (waiter) waiter(m); else this.queues[i].push(m);
    });
    w.on('error', (e) => this.errors.push(e));
    return w;
  }

  next(i: number, timeoutMs = 30_000): Promise<Reply> {
    const queued = this.queues[i].shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`worker ${i}: no reply in ${timeoutMs} ms; errors: ${this.errors.join('; ')}`)), timeoutMs);
      this.waiters[i].push((r) => { clearTimeout(t); resolve(r); });
    });
  }

  async all(cmd: string | null, which: number[]): Promise<Reply[]> {
    if (cmd !== null) for (const i of which) this.workers[i].postMessage(cmd);
    const out = await Promise.all(which.map((i) => this.next(i)));
    this.assertNoErrors();
    for (const r of out) if (cmd !== null) assert.equal(r.type, cmd);
    return out;
  }

  assertNoErrors(): void {
    if (this.errors.length > 0) throw this.errors[0];
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function ringBytes(workers: number, slots: number): number {
  return workers * workers * ringWords(slots) * 4;
}

function verifyBlock(heap: SharedHeap, p: number, n: number, seed: number): void {
  const u8 = heap.u8;
  const at = (i: number): void => assert.equal(u8[p + i], (seed + i * 31) & 255, `block ${p} byte ${i}`);
  if (n <= 4096) for (let i = 0; i < n; i++) at(i);
  else { at(0); at(n - 1); }
}

/** Allocates 16-page large blocks until the heap is full: proves every page is free again. */
function assertWholeHeapAllocatable(memory: SharedArrayBuffer, maxSize: number): void {
  const fresh = attachHeap(memory) as SharedHeap;
  const firstPage = fresh.stats().metadataBytes;
  const ptrs: number[] = [];
  for (;;) {
    const p = fresh.malloc(16 * PAGE - 256); // 16 pages with the span and block headers
    if (p === 0) break;
    ptrs.push(p);
  }
  const pages = (maxSize - firstPage) / PAGE;
  assert.ok(ptrs.length * 16 >= pages - 15, `only ${ptrs.length * 16} of ${pages} pages could be allocated again`);
  for (const p of ptrs) fresh.free(p);
  fresh.check();
  assert.equal(fresh.stats().liveBlocks, 0);
  fresh.detach();
}

test('4 workers: random cycles with cross-thread frees and reallocs; patterns, check(), counts, whole heap reclaimable', async () => {
  const maxSize = 128 << 20;
  const heap = createSharedHeap({ maxSize, initialSize: 0, maxArenas: 8 });
  const W = 4;
  const slots = 256;
  const rings = heap.calloc(1, ringBytes(W, slots));
  assert.notEqual(rings, 0);
  const pool = new Pool(W, (i) => ({
    memory: heap.memory as SharedArrayBuffer, workers: W, rings, ringSlots: slots, ms: 3000, seed: 1234 + i, handoff: 0.3, maxLive: 1500,
  }));
  try {
    const ran = await pool.all(null, [0, 1, 2, 3]);
    const ops = ran.reduce((s, r) => s + r.ops, 0);
    const handed = ran.reduce((s, r) => s + r.handed, 0);
    assert.ok(ops > 50_000, `only ${ops} operations`);
    assert.ok(handed > 1000, `only ${handed} blocks handed between workers`);
    await pool.all('drain', [0, 1, 2, 3]);
    const collected = await pool.all('collect', [0, 1, 2, 3]);
    heap.check();
    let s = heap.stats();
    const held = collected.reduce((a, r) => a + r.live, 0);
    const heldBytes = collected.reduce((a, r) => a + r.liveBytes, 0);
    assert.equal(s.liveBlocks, held + 1, 'live blocks = blocks the workers hold + the rings');
    assert.equal(s.liveBytes, heldBytes + ringBytes(W, slots));
    assert.ok(s.osGrows > 0, 'the buffer grew while workers ran');
    assert.ok(s.arenas.reduce((a, x) => a + x.remoteFreesReceived, 0) > 1000, 'cross-thread frees were collected');
    await pool.all('verifyall', [0, 1, 2, 3]);
    await pool.all('freeall', [0, 1, 2, 3]);
    await pool.all('collect', [0, 1, 2, 3]);
    await pool.all('detach', [0, 1, 2, 3]);
    heap.free(rings);
    heap.detach();
    heap.check();
    s = heap.stats();
    assert.equal(s.liveBlocks, 0);
    assert.equal(s.liveBytes, 0);
    assert.deepEqual(s.arenas, [], 'every arena is free again');
    assertWholeHeapAllocatable(heap.memory as SharedArrayBuffer, maxSize);
  } finally {
    await pool.close();
  }
});

test('a worker terminated mid-run: reclaimThread leaves a clean heap, survivors finish, at most one block lost', async () => {
  const heap = createSharedHeap({ maxSize: 128 << 20, maxArenas: 8 });
  const W = 3;
  const slots = 128;
  const rings = heap.calloc(1, ringBytes(W, slots));
  const counts = heap.calloc(W, 4);
  const pool = new Pool(W, (i) => ({
    memory: heap.memory as SharedArrayBuffer, workers: W, rings, ringSlots: slots, ms: i === 2 ? 60_000 : 1500, seed: 99 + i,
    handoff: 0.3, maxLive: 1000, countSlot: (counts >>> 2) + i,
  }));
  try {
    // terminate worker 2 once it holds blocks of its own (not after a fixed delay: on a loaded
    // machine it may not have attached yet, and then it has no arena to reclaim)
    const live = new Int32Array(heap.memory as SharedArrayBuffer, 0, (counts >>> 2) + W);
    for (let waited = 0; Atomics.load(live, (counts >>> 2) + 2) === 0 && waited < 30_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    const dead = pool.workers[2];
    const deadId = dead.threadId;
    await dead.terminate(); // in the middle of whatever it was doing
    const result = heap.reclaimThread(deadId);
    assert.equal(result.arenas.length, 1, 'its arena was rebuilt');
    await pool.all(null, [0, 1]);
    await pool.all('drain', [0, 1]);
    // blocks handed to the dead worker wait in its rings: verify and free them here
    const i32 = new Int32Array(heap.memory as SharedArrayBuffer, 0, 1 << 20);
    for (let from = 0; from < W; from++) {
      const r = (rings >>> 2) + (from * W + 2) * ringWords(slots);
      for (let k = i32[r]; k < i32[r + 1]; k++) {
        const s = r + 2 + (k % slots) * 3;
        verifyBlock(heap, i32[s] >>> 0, i32[s + 1], i32[s + 2]);
        heap.free(i32[s] >>> 0);
      }
    }
    await pool.all('collect', [0, 1]);
    await pool.all('verifyall', [0, 1]);
    await pool.all('freeall', [0, 1]);
    await pool.all('collect', [0, 1]);
    await pool.all('detach', [0, 1]);
    const lastCount = new Int32Array(heap.memory as SharedArrayBuffer, counts + 8, 1)[0];
    heap.free(rings);
    heap.free(counts);
    heap.detach();
    heap.check();
    const s = heap.stats();
    // what is left is what the dead worker held (its count is published every 256 operations)
    assert.ok(Math.abs(s.liveBlocks - lastCount) <= 260, `${s.liveBlocks} blocks left, the dead worker held about ${lastCount}`);
    assert.ok(s.arenas.every((a) => a.state === 'abandoned'));
    // a new thread adopts the abandoned arena and the heap stays usable
    const adopter = attachHeap(heap.memory as SharedArrayBuffer) as SharedHeap;
    const p = adopter.malloc(100);
    assert.notEqual(p, 0);
    assert.equal(adopter.stats().arenas.find((a) => a.arena === adopter.arenaId)?.state, 'active');
    adopter.free(p);
    adopter.check();
  } finally {
    await pool.close();
  }
});

test('a worker dies holding the global lock: others wait, reclaimThread breaks the lock, they continue', async () => {
  const heap = createSharedHeap({ maxSize: 64 << 20, maxArenas: 8 });
  const W = 2;
  const slots = 16;
  const rings = heap.calloc(1, ringBytes(W, slots));
  const base = { memory: heap.memory as SharedArrayBuffer, workers: W, rings, ringSlots: slots, seed: 5, handoff: 0, maxLive: 200 };
  const pool = new Pool(0, () => ({ ...base, ms: 0 }));
  try {
    const holder = pool.spawn(0, { ...base, ms: 0, holdLock: true });
    assert.equal((await pool.next(0)).type, 'holding');
    const runner = pool.spawn(1, { ...base, ms: 1500 }); // needs the lock for its first span
    await new Promise((r) => setTimeout(r, 300));
    const holderId = holder.threadId;
    await holder.terminate();
    const result = heap.reclaimThread(holderId);
    assert.equal(result.lockBroken, true);
    const ran = await pool.next(1);
    assert.equal(ran.type, 'ran');
    assert.ok(ran.ops > 1000);
    runner.postMessage('freeall');
    await pool.next(1);
    runner.postMessage('detach');
    await pool.next(1);
    heap.free(rings);
    heap.detach();
    heap.check();
    assert.equal(heap.stats().liveBlocks, 0);
    assert.equal(heap.stats().lockBreaks, 1);
  } finally {
    await pool.close();
  }
});

/**
 * The long stress run (npm run bench:threads -- --stress SECONDS): the workers of
 * test/threads-stress.test.ts (.build/test/support/threads-worker.js) for as long as
 * asked, with the same end checks: patterns verified, check() clean, live counts
 * equal to what the workers hold, nothing left after everything is freed.
 */
import { Worker } from 'node:worker_threads';
import { createSharedHeap, type SharedHeap } from '../../src/index.js';
import { ringWords } from '../../test/support/threads-worker.js';

const WORKER = new URL('../../test/support/threads-worker.js', import.meta.url);

interface Reply { type: string; live: number; liveBytes: number; ops: number; handed: number; received: number; message?: string }

export async function runStress(seconds: number, count: number): Promise<boolean> {
  const heap: SharedHeap = createSharedHeap({ maxSize: 512 << 20, initialSize: 0, maxArenas: 16 });
  const slots = 512;
  const ringsBytes = count * count * ringWords(slots) * 4;
  const rings = heap.calloc(1, ringsBytes);
  const inbox: Reply[][] = [];
  const waiting: ((r: Reply) => void)[][] = [];
  const workers: Worker[] = [];
  let failure: string | null = null;
  for (let i = 0; i < count; i++) {
    inbox.push([]);
    waiting.push([]);
    const w = new Worker(WORKER, {
      workerData: { kind: 'threads-stress', memory: heap.memory, index: i, workers: count, rings, ringSlots: slots, ms: seconds * 1000, seed: Date.now() + i, handoff: 0.3, maxLive: 4000 },
    });
    w.on('message', (m: Reply) => {
      if (m.type === 'error') { failure = m.message ?? 'error'; }
      const f = waiting[i].shift();
      if (f) f(m); else inbox[i].push(m);
    });
    w.on('error', (e) => { failure = String(e.stack ?? e); for (const f of waiting[i].splice(0)) f({ type: 'error' } as Reply); });
    workers.push(w);
  }
  const next = (i: number): Promise<Reply> => { const m = inbox[i].shift(); return m ? Promise.resolve(m) : new Promise((r) => waiting[i].push(r)); };
  const all = async (cmd: string | null): Promise<Reply[]> => {
    if (cmd) for (const w of workers) w.postMessage(cmd);
    const out = await Promise.all(workers.map((_, i) => next(i)));
    if (failure) throw new Error(failure);
    return out;
  };
  const started = Date.now();
  try {
    const ran = await all(null);
    const ops = ran.reduce((s, r) => s + r.ops, 0);
    const handed = ran.reduce((s, r) => s + r.handed, 0);
    await all('drain');
    const held = await all('collect');
    heap.check();
    const s = heap.stats();
    const live = held.reduce((a, r) => a + r.live, 0) + 1;
    if (s.liveBlocks !== live) throw new Error(`live blocks ${s.liveBlocks}, workers hold ${live}`);
    await all('verifyall');
    await all('freeall');
    await all('collect');
    await all('detach');
    heap.free(rings);
    heap.detach();
    heap.check();
    const end = heap.stats();
    if (end.liveBlocks !== 0 || end.arenas.length !== 0) throw new Error(`after freeing everything: ${end.liveBlocks} blocks, ${end.arenas.length} arenas`);
    console.log(`stress: ${count} workers, ${seconds} s: ${ops} operations (${Math.round(ops / seconds)}/s), ${handed} blocks handed between threads, ` +
      `buffer grew ${s.osGrows} times to ${s.backingSize} bytes; every pattern verified, check() clean, counts exact, all freed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    console.error(`stress FAILED: ${(e as Error).message}`);
    return false;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

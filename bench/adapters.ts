/**
 * One adapter per allocator under test. An adapter makes fresh, empty heaps (outside the timed
 * region); the replay loops in replay.ts call the instance's malloc/free/realloc and write the
 * first and last byte of every block through `mem` (pointers = byte offsets into `mem`), or,
 * for js-gc (mem === null), through the returned Uint8Array itself.
 *
 * extent() is the end of the used heap region (allocator headers included), sampled after every
 * malloc/realloc of the validation pass: utilization = peak live payload / peak extent (malloc lab).
 */
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MemPool } from '@thi.ng/malloc';

export interface Instance {
  /** The byte view pointers index into; null when pointers are Uint8Arrays themselves (js-gc). */
  mem: Uint8Array | null;
  /** For heaps whose view can change (a growing heap): returns the current view. */
  view?: () => Uint8Array;
  malloc(n: number): any;
  free(p: any): void;
  realloc(p: any, n: number): any;
  extent(): number;
  /** Undo anything create() attached (listeners); called after the run. */
  dispose?: () => void;
}

export interface Adapter {
  /** Column name. */
  name: string;
  /** heapflow variants, npm peers, or the GC baseline. */
  kind: 'heapflow' | 'peer' | 'gc' | 'ref';
  notes: string;
  /** A fresh empty heap of `heapBytes` capacity. */
  create(heapBytes: number): Instance;
  /** The heap's view may change on malloc/realloc (re-read it after each call, as a program must). */
  refresh?: boolean;
}

/** The subset of the heapflow API the bench uses (see notes/api.md). */
export interface HeapLike {
  malloc(n: number): number;
  free(p: number): void;
  realloc(p: number, n: number): number;
  readonly u8: Uint8Array;
  stats(): { heapSize: number; [k: string]: number };
  onEvent(fn: (e: unknown) => void): () => void;
}
/** Scratch folder of the bench (gitignored). */
export const BENCH_OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/out');

export interface HeapflowModule {
  createHeap(opts?: Record<string, unknown>): HeapLike;
}

/** The compiled core next to the bench (.build/src), or HEAPFLOW_SRC (e.g. the dist/ folder). */
export const HEAPFLOW_SRC = process.env.HEAPFLOW_SRC
  ? resolve(process.env.HEAPFLOW_SRC)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * Loads a private copy of the compiled core: the tree is copied to bench/out/mod/<tag>/ and imported
 * from there, so every column has its own module instance — its own classes, inline caches and JIT
 * code, as in a program that uses one kind of heap (otherwise the four backings, whose typed arrays
 * V8 treats as different element kinds, would make the shared heap code polymorphic, and a listener
 * attached for one column would change the code the others run). `transform` may rewrite a file.
 */
export async function loadHeapflowCopy(
  tag: string, transform?: (file: string, text: string) => string,
): Promise<HeapflowModule> {
  const dest = join(BENCH_OUT, 'mod', tag);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'package.json'), '{ "type": "module" }\n');
  cpSync(HEAPFLOW_SRC, join(dest, 'src'), { recursive: true });
  if (transform) {
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (f.endsWith('.js')) {
          const text = readFileSync(f, 'utf8');
          const t = transform(f, text);
          if (t !== text) writeFileSync(f, t);
        }
      }
    };
    walk(join(dest, 'src'));
  }
  return (await import(pathToFileURL(join(dest, 'src', 'index.js')).href)) as HeapflowModule;
}

export const BACKINGS = ['arraybuffer', 'resizable', 'shared', 'wasm'] as const;

/**
 * heapflow on one backing, heap of fixed size (initialSize = maxSize = the size the bench gives every
 * allocator, as the peers need a fixed buffer): the view never changes, so the loop keeps it.
 * `listener`: 'none' (default heap), 'noop' (an event listener that does nothing is attached).
 */
/**
 * The instance wrappers for one heapflow column, compiled afresh per column (new Function): closures
 * made at one source location share their type feedback in V8, so wrappers written once here would
 * see the Heap classes of every module copy and turn megamorphic (measured: 10-50% noise and a
 * bias against whichever column ran first). A private copy per column keeps each call site monomorphic.
 */
function wrapperFactory(): (h: HeapLike) => Instance {
  return new Function('h', `return {
    mem: h.u8,
    view: () => h.u8,
    malloc: (n) => h.malloc(n),
    free: (p) => h.free(p),
    realloc: (p, n) => h.realloc(p, n),
    extent: () => h.stats().heapSize,
  };`) as (h: HeapLike) => Instance;
}

export function heapflowAdapter(
  mod: HeapflowModule,
  backing: string,
  opts: { name?: string; listener?: 'none' | 'noop' | 'attach-detach'; notes?: string; allocator?: string } = {},
): Adapter {
  const listener = opts.listener ?? 'none';
  const wrap = wrapperFactory();
  const allocator = opts.allocator === undefined ? {} : { allocator: opts.allocator };
  return {
    name: opts.name ?? (opts.allocator !== undefined ? `heapflow:${opts.allocator}` : backing === 'arraybuffer' ? 'heapflow' : `heapflow/${backing}`),
    kind: 'heapflow',
    notes: opts.notes ?? `createHeap({ ${opts.allocator !== undefined ? `allocator: '${opts.allocator}', ` : ''}backing: '${backing}', initialSize: N, maxSize: N })`,
    create(heapBytes) {
      const h = mod.createHeap({ ...allocator, backing, initialSize: heapBytes, maxSize: heapBytes });
      let off: (() => void) | undefined;
      if (listener === 'noop') off = h.onEvent(() => {});
      else if (listener === 'attach-detach') h.onEvent(() => {})();
      return { ...wrap(h), dispose: off };
    },
  };
}

/**
 * heapflow with default options (grows from 64 KiB on demand) on `backing`: views re-read after each
 * call. 'heapflow/grow' is the default backing (arraybuffer); 'heapflow/resizable-grow' the resizable one,
 * which also gives memory back (its ratio to 'heapflow/grow' is the resizable backing's cost in ordinary use).
 */
export function heapflowGrowAdapter(mod: HeapflowModule, backing = 'arraybuffer'): Adapter {
  const wrap = wrapperFactory();
  return {
    name: backing === 'arraybuffer' ? 'heapflow/grow' : `heapflow/${backing}-grow`,
    kind: 'heapflow',
    refresh: true,
    notes: backing === 'arraybuffer'
      ? 'createHeap() with defaults: arraybuffer, starts at 64 KiB and grows; u8 re-read after every call'
      : `createHeap({ backing: '${backing}' }) with defaults: starts at 64 KiB, grows and shrinks; u8 re-read after every call`,
    create(_heapBytes) {
      return wrap(mod.createHeap(backing === 'arraybuffer' ? {} : { backing }));
    },
  };
}

/** @thi.ng/malloc MemPool, default options (align 8, compact and split on). extent = pool.top. */
export const thingAdapter: Adapter = {
  name: 'thi.ng',
  kind: 'peer',
  notes: '@thi.ng/malloc MemPool defaults; extent = pool.top (its bump pointer)',
  create(heapBytes) {
    const buf = new ArrayBuffer(heapBytes);
    const pool = new MemPool({ buf });
    const p = pool as unknown as { top: number };
    return {
      mem: new Uint8Array(buf), // = pool.u8 (protected in its typings); pointers are byte offsets into buf
      malloc: (n: number) => pool.malloc(n),
      free: (q: number) => {
        pool.free(q);
      },
      realloc: (q: number, n: number) => pool.realloc(q, n),
      extent: () => p.top,
    };
  },
};

const require = createRequire(import.meta.url);

/**
 * `malloc` (codemix): skip-list best fit over one ArrayBuffer. It has no realloc: emulated as a user
 * would, alloc(new) + copy min(old, n) + free(old). No extent either: the heap starts as one free
 * block carved from the front, so the trailing free block tells where the used part ends
 * (extent = heap size - trailing free block; includes its 272-byte header and block headers).
 */
export const codemixAdapter: Adapter = {
  name: 'codemix',
  kind: 'peer',
  notes: '`malloc` (codemix); realloc = alloc+copy+free; extent = heap size minus the trailing free block',
  create(heapBytes) {
    const Allocator = require('malloc') as new (buf: ArrayBuffer) => {
      alloc(n: number): number;
      free(p: number): number;
      sizeOf(p: number): number;
      int32Array: Int32Array;
    };
    const buf = new ArrayBuffer(heapBytes);
    const a = new Allocator(buf);
    const u8 = new Uint8Array(buf);
    const i32 = a.int32Array;
    const N = i32.length;
    return {
      mem: u8,
      malloc: (n: number) => a.alloc(n),
      free: (p: number) => {
        a.free(p);
      },
      realloc: (p: number, n: number) => {
        const old = a.sizeOf(p);
        const q = a.alloc(n);
        if (q === 0) return 0;
        u8.copyWithin(q, p, p + (old < n ? old : n));
        a.free(p);
        return q;
      },
      extent: () => {
        const last = i32[N - 1];
        return last > 0 ? (N - 2 - last) * 4 : N * 4;
      },
    };
  },
};

/**
 * "Just use the GC": every block is its own `new Uint8Array(n)`; free drops the reference.
 * realloc = new array + copy. No extent (utilization n/a). V8 keeps arrays <= 64 bytes on the JS heap;
 * larger backing stores come from the process's C allocator and are released when the GC collects.
 */
export const jsGcAdapter: Adapter = {
  name: 'js-gc',
  kind: 'gc',
  notes: 'new Uint8Array(n) per block; free = drop the reference; realloc = new + copy',
  create(_heapBytes) {
    return {
      mem: null,
      malloc: (n: number) => new Uint8Array(n),
      free: (_p: Uint8Array) => {},
      realloc: (p: Uint8Array, n: number) => {
        const q = new Uint8Array(n);
        q.set(n >= p.length ? p : p.subarray(0, n));
        return q;
      },
      extent: () => 0,
    };
  },
};

/**
 * A trivial allocator, the reference of npm run bench:stability: simple segregated storage over one
 * ArrayBuffer. Every request is rounded up to a class (8-byte steps to 1 KiB, then powers of two),
 * a freed block goes on its class's LIFO list (threaded through the blocks) and is never merged or
 * split; a list that is empty takes the next block from the top. The 8 bytes before a block hold
 * its class. Allocates no JS objects: its speed is that of the machine and V8, which is what a
 * reference measured in the same process must track.
 */
export const refAdapter: Adapter = {
  name: 'ref',
  kind: 'ref',
  notes: 'simple segregated storage: exact classes, LIFO free lists, no merging (a trivial reference)',
  create(heapBytes) {
    const buf = new ArrayBuffer(heapBytes);
    const u8 = new Uint8Array(buf);
    const u32 = new Uint32Array(buf, 0, heapBytes >>> 2);
    const heads = new Uint32Array(160);
    let top = 8;
    const classOf = (n: number) => (n <= 1024 ? (n + 7) >>> 3 : 118 + (32 - Math.clz32(n - 1)));
    const sizeOfClass = (c: number) => (c <= 128 ? c * 8 : 2 ** (c - 118));
    const malloc = (n: number): number => {
      const c = classOf(n);
      const h = heads[c];
      if (h !== 0) {
        heads[c] = u32[h >>> 2];
        return h;
      }
      const p = top + 8;
      const end = p + sizeOfClass(c);
      if (end > heapBytes) return 0;
      u32[(p - 8) >>> 2] = c;
      top = end;
      return p;
    };
    const free = (p: number): void => {
      const c = u32[(p - 8) >>> 2];
      u32[p >>> 2] = heads[c];
      heads[c] = p;
    };
    return {
      mem: u8,
      malloc,
      free,
      realloc: (p: number, n: number): number => {
        const c = u32[(p - 8) >>> 2];
        if (classOf(n) <= c) return p;
        const q = malloc(n);
        if (q === 0) return 0;
        u8.copyWithin(q, p, p + sizeOfClass(c));
        free(p);
        return q;
      },
      extent: () => top,
    };
  },
};

/** What the README and the docs promise, checked against what the library does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  attachHeap, createHeap, createSharedHeap, HeapDebugError, HeapError, heapErrorCode, type HeapErrorCode,
} from '../src/index.js';
import { ROOT } from './support/package-files.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const prose = (text: string): string => text.replace(/\s+/g, ' ');

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

test('the README\'s error table lists every HeapErrorCode', () => {
  const source = readFileSync(join(ROOT, 'src', 'base', 'errors.ts'), 'utf8');
  const union = /export type HeapErrorCode =([\s\S]*?);\n/.exec(source)?.[1] ?? '';
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
  assert.ok(codes.length >= 7 && codes.includes('HEAP_ERROR'), codes.join(', '));
  const table = README.slice(README.indexOf('| class | code | when |'));
  for (const code of codes) assert.ok(table.includes(`| \`${code}\` |`), `${code} is in the README's error table`);
});

test('after postMessage an error keeps its code only in the message: heapErrorCode reads it, as the README says', () => {
  const heap = createHeap({ onOutOfMemory: 'throw', maxSize: 1 << 20 });
  const p = heap.malloc(16);
  heap.malloc(16); // so that p's block stays a free block of its own
  heap.free(p);
  const debugHeap = createHeap({ debug: { stacks: false } });
  const errors: [unknown, HeapErrorCode][] = [
    [thrown(() => heap.free(p)), 'DOUBLE_FREE'],
    [thrown(() => heap.free(12)), 'INVALID_POINTER'],
    [thrown(() => heap.malloc(2 << 20)), 'OUT_OF_MEMORY'],
    [thrown(() => attachHeap(new ArrayBuffer(65536))), 'BAD_HEAP_MEMORY'],
    [thrown(() => debugHeap.free(debugHeap.malloc(8) + 8)), 'HEAP_DEBUG'],
    [new HeapError('plain'), 'HEAP_ERROR'],
  ];
  const { port1, port2 } = new MessageChannel();
  try {
    for (const [err, code] of errors) {
      assert.equal(heapErrorCode(err), code);
      assert.ok((err as Error).message.startsWith(`[${code}] `), (err as Error).message);
      port1.postMessage(err);
      const received = receiveMessageOnPort(port2)?.message as Error;
      for (const copy of [received, structuredClone(err)]) {
        assert.equal(heapErrorCode(copy), code, `${code} read back from the clone`);
        assert.equal((copy as { code?: unknown }).code, undefined, 'the clone has no code property (why the README points to heapErrorCode)');
      }
    }
  } finally {
    port1.close();
  }
  assert.ok(errors.some(([e]) => e instanceof HeapDebugError));
  const text = prose(README);
  assert.ok(!/kept by `structuredClone`/.test(text), 'the README no longer says the code property survives structuredClone');
  assert.ok(/`heapErrorCode\(err\)` reads the code from the error or from its clone/.test(text));
});

test('a wasm heap made with base: attach needs the same base, and the error says so', () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  const heap = createHeap({ backing: 'wasm', memory, base: 65536 });
  const p = heap.malloc(40);
  const err = thrown(() => attachHeap(memory));
  assert.equal(heapErrorCode(err), 'BAD_HEAP_MEMORY');
  assert.match((err as Error).message, /a heap created with a base must be attached with the same \{ base \}/);
  const again = attachHeap(memory, { base: 65536 });
  assert.equal(again.usableSize(p), heap.usableSize(p));
  assert.ok(/must be attached with the same `base`/.test(prose(README)));
  const types = readFileSync(join(ROOT, 'dist', 'base', 'types.d.ts'), 'utf8');
  assert.doesNotMatch(types, /or the `base` it was created with\)/, 'the .d.ts no longer says the base is found by itself');
});

test('the intro says what placement does: malloc(16) then malloc(100) on a fresh heap moves the break twice', () => {
  const heap = createHeap();
  const grows: number[] = [];
  heap.onEvent((e) => { if (e.type === 'grow') grows.push(e.to - e.from); });
  heap.malloc(16);
  heap.malloc(100);
  assert.equal(grows.length, 2);
  const reserved = heap.blocks().filter((b) => b.state === 'reserved').map((b) => b.size);
  assert.ok(reserved.length > 0, 'the rest of the first region is reserved for its size group');
  const text = prose(README);
  assert.ok(!/Freed blocks are reused before the heap grows/.test(text), 'the old claim is gone');
  assert.ok(text.includes('`malloc(16)` then `malloc(100)` moves the break twice'));
  assert.ok(text.includes(`leaves the first region's ${reserved[0]} remaining bytes unused (\`heap.blocks()\` shows them as \`'reserved'\`)`),
    `README names the ${reserved[0]} reserved bytes`);
});

test('re-allocating a freed id: replayed silently, as traces/README.md says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-realloc-id-'));
  const trace = join(dir, 'again.rep');
  writeFileSync(trace, '0\n1\n4\n1\na 0 8\nf 0\na 0 16\nf 0\n');
  const cli = join(ROOT, '.build', 'src', 'cli', 'main.js');
  const run = spawnSync(process.execPath, [cli, 'replay', '--json', '--samples', '1', trace], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal((JSON.parse(run.stdout) as { errors: number }).errors, 0);
  const doc = prose(readFileSync(join(ROOT, 'traces', 'README.md'), 'utf8'));
  assert.ok(!/reports that as a warning/.test(doc), 'no warning is promised');
  assert.ok(/heapflow accepts it silently/.test(doc));
});

test('attachHeap(memory, { threadId }) returns the shared heap, typed so (detach() compiles)', () => {
  const shared = createSharedHeap({ maxSize: 1 << 24 });
  const mine = attachHeap(shared.memory as SharedArrayBuffer, { threadId: 7 });
  const p = mine.malloc(100);
  mine.free(p);
  mine.detach(); // a compile error if attachHeap were typed as returning Heap
  assert.equal(mine.threadId, 7);
});

/** 'heapflow/core': the allocator without debug mode, in package.json exports and in a bundle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as core from 'heapflow/core';
import * as full from 'heapflow';
import { measureBundle } from '../bench/bundle-size.js';

// What the main entry exported before the core entry existed: it must keep exporting all of it.
const MAIN_EXPORTS = [
  'createHeap', 'attachHeap', 'DEFAULTS', 'Heap', 'HeapError', 'heapErrorCode', 'InvalidPointerError',
  'DoubleFreeError', 'OutOfMemoryError', 'HeapCorruptionError', 'DebugHeap', 'HeapDebugError', 'DebugReport',
  'CheckedMemory', 'createSharedHeap', 'attachSharedHeap', 'SharedHeap',
];

test('the main entry still exports everything it did, and the core entry is a subset without debug mode', () => {
  assert.deepEqual(MAIN_EXPORTS.filter((name) => !(name in full)), []);
  const coreNames = Object.keys(core);
  assert.deepEqual(coreNames.filter((name) => !(name in full)), [], 'core exports only what the main entry exports');
  for (const name of ['DebugHeap', 'HeapDebugError', 'DebugReport', 'CheckedMemory']) assert.ok(!(name in core), name);
  for (const name of ['createHeap', 'attachHeap', 'Heap', 'HeapError', 'heapErrorCode', 'createSharedHeap']) assert.ok(name in core, name);
  // The classes are the same objects: an error thrown by a core heap is instanceof the main entry's class.
  assert.equal(core.HeapError, full.HeapError);
  assert.equal(core.Heap, full.Heap);
});

test('a core heap allocates like the main one; debug: true names the entry that has it', () => {
  const heap = core.createHeap({ maxSize: 1 << 20 });
  const p = heap.malloc(100);
  assert.ok(p > 0);
  assert.ok(!(heap instanceof full.DebugHeap));
  heap.free(p);
  heap.check();
  assert.throws(() => core.createHeap({ debug: true } as never), (err: unknown) =>
    err instanceof RangeError && /'heapflow\/core' has no debug mode; import createHeap from 'heapflow'/.test(err.message));
  assert.ok(full.createHeap({ debug: true }) instanceof full.DebugHeap);
});

test('bundled with esbuild, createHeap from heapflow/core leaves debug mode out and is smaller', async () => {
  const [coreSize, fullSize] = [await measureBundle('heapflow/core'), await measureBundle('heapflow')];
  assert.ok(!coreSize.folders.includes('debug'), `core bundle folders: ${coreSize.folders.join(', ')}`);
  assert.ok(fullSize.folders.includes('debug'), 'the main entry bundles debug mode (the check can fail)');
  assert.ok(coreSize.folders.includes('alloc') && coreSize.folders.includes('os'));
  assert.ok(coreSize.bytes < fullSize.bytes);
});

/**
 * Shared by the report's browser tests: a report opened in Chromium until its first picture,
 * and the same trace replayed in Node (the page's answer to compare with).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createHeap, DEFAULT_ALLOCATOR, type AllocatorName, type Heap } from '../../src/index.js';
import { OP_ALLOC, OP_FREE, type Trace } from '../../src/trace/types.js';
import { collectErrors, type OpenBrowser } from './browser.js';

/** Opens `url` in a new page and waits for the report's first picture (no page error). */
export async function openReport(chromium: OpenBrowser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await chromium.context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => window.heapflowReport?.ready || window.heapflowReport?.error !== null, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.heapflowReport.error), null);
  return { page, errors };
}

/** The heap after the first `ops` ops of `trace`, replayed by heapflow in Node with its own id -> pointer table. */
export function heapInNode(trace: Trace, allocator: AllocatorName = DEFAULT_ALLOCATOR, ops = trace.length): Heap {
  const heap = createHeap({ backing: 'wasm', maxSize: 2 ** 31, allocator });
  const ptr = new Map<number, number>();
  for (let i = 0; i < ops; i++) {
    const id = trace.ids[i] as number;
    if (trace.kinds[i] === OP_ALLOC) ptr.set(id, heap.malloc(trace.sizes[i] as number));
    else if (trace.kinds[i] === OP_FREE) { const p = ptr.get(id) ?? 0; if (p !== 0) heap.free(p); }
    else ptr.set(id, heap.realloc(ptr.get(id) as number, trace.sizes[i] as number));
  }
  return heap;
}

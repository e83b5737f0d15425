/**
 * Shared by the report's tests: a report opened in Chromium until its first picture, what a
 * canvas of it shows, and the same trace replayed in Node (the page's answer to compare with).
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

/** Pixels of the first canvas matching `selector` that differ from the report's background, and a hash of every pixel. */
export async function canvasPixels(page: Page, selector: string): Promise<{ painted: number; hash: number }> {
  return page.$eval(selector, (node) => {
    const canvas = node as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i] as number, g = data[i + 1] as number, b = data[i + 2] as number;
      if (!(r === 0xf3 && g === 0xf3 && b === 0xf3) && data[i + 3] !== 0) painted++;
      hash = (Math.imul(hash, 31) + (r << 16 | g << 8 | b)) | 0;
    }
    return { painted, hash };
  });
}

/** The heap after the first `ops` ops of `trace`, replayed by heapflow in Node (wasm backing). */
export function heapInNode(trace: Trace, allocator: AllocatorName = DEFAULT_ALLOCATOR, ops = trace.length): Heap {
  return replayOn(createHeap({ backing: 'wasm', maxSize: 2 ** 31, allocator }), trace, ops);
}

/** Applies the first `ops` ops of `trace` to `heap` with its own id -> pointer table, and returns the heap. */
export function replayOn<H extends Heap>(heap: H, trace: Trace, ops = trace.length): H {
  const ptr = new Map<number, number>();
  for (let i = 0; i < ops; i++) {
    const id = trace.ids[i] as number;
    if (trace.kinds[i] === OP_ALLOC) ptr.set(id, heap.malloc(trace.sizes[i] as number));
    else if (trace.kinds[i] === OP_FREE) { const p = ptr.get(id) ?? 0; if (p !== 0) heap.free(p); }
    else ptr.set(id, heap.realloc(ptr.get(id) as number, trace.sizes[i] as number));
  }
  return heap;
}

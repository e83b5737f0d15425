/**
 * The WebGPU example (examples/webgpu): its allocator side against a mock GPUDevice in Node
 * (always), and the page itself in Debian's Chromium where WebGPU gives an adapter (else that
 * one test is skipped, saying why).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.HEAPFLOW_CHROMIUM ?? '/usr/bin/chromium';

interface MockBuffer {
  size: number;
  usage: number;
  bytes: Uint8Array;
  destroyed: boolean;
  destroy(): void;
}
interface Mesh {
  offset: number;
  data: Float32Array;
}
interface MeshPoolLike {
  buffer: MockBuffer;
  alignment: number;
  allocator: { check(): void; size: number; stats(): { allocations: number } };
  upload(data: ArrayBufferView): number;
  release(offset: number): void;
  sizeOf(offset: number): number;
}
interface Example {
  MeshPool: new (device: unknown, initialBytes?: number) => MeshPoolLike;
  runScenario(pool: MeshPoolLike): Mesh[];
}

/** A GPUDevice that keeps buffers in ArrayBuffers and checks what WebGPU's validation would. */
function mockDevice(alignment: number) {
  const writes: Array<{ offset: number; size: number }> = [];
  const createBuffer = ({ size, usage }: { size: number; usage: number }): MockBuffer => ({
    size, usage, bytes: new Uint8Array(size), destroyed: false,
    destroy() { this.destroyed = true; },
  });
  const queue = {
    writeBuffer(buffer: MockBuffer, offset: number, data: ArrayBufferLike, dataOffset: number, size: number) {
      assert.ok(!buffer.destroyed, 'writeBuffer into a destroyed buffer');
      assert.equal(offset % 4, 0, `writeBuffer offset ${offset} is not a multiple of 4`);
      assert.equal(size % 4, 0, `writeBuffer size ${size} is not a multiple of 4`);
      assert.ok(offset + size <= buffer.size, `writeBuffer [${offset}, ${offset + size}) past the buffer's ${buffer.size} bytes`);
      buffer.bytes.set(new Uint8Array(data, dataOffset, size), offset);
      writes.push({ offset, size });
    },
    submit(commands: Array<() => void>) { for (const run of commands) run(); },
  };
  const createCommandEncoder = () => {
    const steps: Array<() => void> = [];
    return {
      copyBufferToBuffer(src: MockBuffer, srcOffset: number, dst: MockBuffer, dstOffset: number, size: number) {
        steps.push(() => dst.bytes.set(src.bytes.subarray(srcOffset, srcOffset + size), dstOffset));
      },
      finish: () => () => steps.forEach((s) => s()),
    };
  };
  return { device: { limits: { minStorageBufferOffsetAlignment: alignment }, createBuffer, createCommandEncoder, queue }, writes };
}

async function loadExample(): Promise<Example> {
  return (await import(pathToFileURL(join(ROOT, 'examples/webgpu/mesh-pool.mjs')).href)) as Example;
}

test('webgpu example, allocator side: aligned, disjoint ranges whose bytes survive the buffer growing', async () => {
  const { MeshPool, runScenario } = await loadExample();
  for (const alignment of [256, 64]) {
    const { device, writes } = mockDevice(alignment);
    const pool = new MeshPool(device, 4096);
    const meshes = runScenario(pool);
    assert.ok(pool.buffer.size > 4096, 'the scenario makes the pool grow');
    assert.equal(pool.allocator.size, pool.buffer.size, 'the allocator space follows the buffer');
    assert.equal(pool.allocator.stats().allocations, meshes.length);
    const sorted = [...meshes].sort((a, b) => a.offset - b.offset);
    sorted.forEach((m, i) => {
      assert.equal(m.offset % alignment, 0, `offset ${m.offset} breaks minStorageBufferOffsetAlignment ${alignment}`);
      assert.ok(pool.sizeOf(m.offset) >= m.data.byteLength);
      if (i > 0) assert.ok(sorted[i - 1].offset + sorted[i - 1].data.byteLength <= m.offset, 'ranges overlap');
      const stored = new Float32Array(pool.buffer.bytes.slice(m.offset, m.offset + m.data.byteLength).buffer);
      assert.deepEqual(stored, m.data, `mesh at ${m.offset}: the bytes in the buffer are not the mesh's`);
    });
    assert.ok(writes.length >= meshes.length);
    pool.allocator.check();
  }
});

test('webgpu example, allocator side: odd byte lengths are padded to writeBuffer\'s multiple of 4', async () => {
  const { MeshPool } = await loadExample();
  const { device, writes } = mockDevice(256);
  const pool = new MeshPool(device, 1024);
  const offset = pool.upload(new Uint8Array([1, 2, 3, 4, 5]));
  assert.deepEqual(writes.at(-1), { offset, size: 8 });
  assert.deepEqual([...pool.buffer.bytes.subarray(offset, offset + 8)], [1, 2, 3, 4, 5, 0, 0, 0]);
});

test('webgpu example in Chromium: meshes uploaded and read back through storage bindings at their offsets', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
    t.skip(`${CHROMIUM} is missing (apt-get install chromium)`);
    return;
  }
  const { serve } = (await import(pathToFileURL(join(ROOT, 'examples/webgpu/serve.mjs')).href)) as {
    serve(port?: number): Promise<{ url: string; close(): Promise<void> }>;
  };
  const server = await serve(0);
  const profile = mkdtempSync(join(tmpdir(), 'heapflow-webgpu-'));
  // The project's flags, plus WebGPU: with --disable-gpu Chromium still offers a software adapter
  // behind --enable-unsafe-webgpu where it has one.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.status !== 'loading', null, { timeout: 60_000 });
    const status = await page.evaluate(() => document.body.dataset.status);
    const result = (await page.evaluate(() => (window as unknown as { webgpuResult: unknown }).webgpuResult)) as Record<string, unknown>;
    assert.deepEqual(errors, []);
    if (status === 'no-webgpu') {
      t.skip(`no WebGPU in this Chromium: ${String(result.reason)}`);
      return;
    }
    assert.equal(status, 'ok', `page status ${status}: ${JSON.stringify(result)}`);
    assert.equal(result.wrong, 0);
    assert.ok((result.meshes as number) > 50);
    const alignment = result.alignment as number;
    assert.ok((result.offsets as number[]).every((o) => o % alignment === 0));
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

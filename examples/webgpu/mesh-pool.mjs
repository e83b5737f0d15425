// Many meshes in one GPUBuffer: heapflow's virtual allocator decides where each one goes
// (offsets honour device.limits.minStorageBufferOffsetAlignment, so every range can be bound
// as a storage buffer), queue.writeBuffer uploads it there, and freed ranges are reused.
// When the buffer is full it is re-created twice as large, the old contents copied over on
// the GPU, and the allocator's space grown to match: live offsets stay valid.
//
// Nothing here touches the DOM: main.mjs drives it in a browser, and
// test/virtual-webgpu.test.ts runs it in Node against a mock device.
import { createVirtualAllocator } from 'heapflow';

// GPUBufferUsage's values (the global exists only where WebGPU does).
const USAGE = globalThis.GPUBufferUsage ?? { COPY_SRC: 0x4, COPY_DST: 0x8, VERTEX: 0x20, STORAGE: 0x80 };

export class MeshPool {
  /** @param {GPUDevice} device */
  constructor(device, initialBytes = 1 << 16) {
    this.device = device;
    this.alignment = device.limits.minStorageBufferOffsetAlignment; // 256 on most GPUs, at most 256 by the spec
    this.usage = USAGE.STORAGE | USAGE.VERTEX | USAGE.COPY_DST | USAGE.COPY_SRC;
    this.allocator = createVirtualAllocator({ size: initialBytes, minAlignment: this.alignment });
    this.buffer = device.createBuffer({ size: initialBytes, usage: this.usage });
  }

  /**
   * Uploads `data` (any typed array) into the pool; returns its offset in `this.buffer`.
   * writeBuffer wants sizes in multiples of 4 bytes, so the range is rounded up to that.
   */
  upload(data) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = Math.max(4, Math.ceil(bytes.byteLength / 4) * 4);
    let offset = this.allocator.alloc(size);
    if (offset === -1) {
      this.grow(size);
      offset = this.allocator.alloc(size);
    }
    const padded = size === bytes.byteLength ? bytes : copyPadded(bytes, size);
    this.device.queue.writeBuffer(this.buffer, offset, padded.buffer, padded.byteOffset, size);
    return offset;
  }

  /** The range at `offset` is free again (the GPU data stays until overwritten). */
  release(offset) {
    this.allocator.free(offset);
  }

  /** Bytes of the range at `offset` (what a bind group's `size` should be). */
  sizeOf(offset) {
    return this.allocator.sizeOf(offset);
  }

  /** A buffer twice as large (or more, for a big request); contents copied on the GPU. */
  grow(atLeast) {
    const old = this.buffer;
    let size = old.size * 2;
    while (size - old.size < atLeast + this.alignment) size *= 2;
    const buffer = this.device.createBuffer({ size, usage: this.usage });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(old, 0, buffer, 0, old.size);
    this.device.queue.submit([encoder.finish()]);
    old.destroy();
    this.buffer = buffer;
    this.allocator.grow(size);
  }
}

function copyPadded(bytes, size) {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

/** Mesh-like test data: `count` floats with small integer values (their f32 sums are exact). */
export function meshData(seed, count) {
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (seed * 7 + i * 13) % 17;
  return data;
}

export function sum(data) {
  let s = 0;
  for (const x of data) s += x;
  return s;
}

/**
 * The scenario the page and the test share: upload meshes of varied sizes, free every third,
 * upload more (into the holes first), enough to make the pool grow. Returns the live meshes.
 */
export function runScenario(pool) {
  const meshes = [];
  let seed = 1;
  const add = (floats) => {
    const data = meshData(seed++, floats);
    meshes.push({ offset: pool.upload(data), data });
  };
  for (let i = 0; i < 40; i++) add(3 + ((i * 37) % 300)); // 12 .. 1208 bytes each
  for (let i = meshes.length - 1; i >= 0; i -= 3) {
    pool.release(meshes[i].offset);
    meshes.splice(i, 1);
  }
  for (let i = 0; i < 60; i++) add(5 + ((i * 53) % 500));
  pool.allocator.check();
  return meshes;
}

// Browser driver of the example: runs the shared scenario on a real GPUDevice, then checks
// every mesh on the GPU: a compute shader sums each mesh's floats through a storage binding
// at the mesh's offset (createBindGroup rejects an offset that breaks the device's alignment)
// and the sums are compared with the CPU's. The outcome goes to document.body.dataset.status
// ('ok', 'no-webgpu' or 'error') and window.webgpuResult, for the browser test.
import { MeshPool, runScenario, sum } from './mesh-pool.mjs';

const log = document.getElementById('log');

async function main() {
  const device = await openDevice();
  if (typeof device === 'string') {
    log.textContent = `WebGPU is not available here: ${device}`;
    window.webgpuResult = { reason: device };
    document.body.dataset.status = 'no-webgpu';
    return;
  }
  device.pushErrorScope('validation');
  const pool = new MeshPool(device, 4096);
  const meshes = runScenario(pool);
  const sums = await gpuSums(device, pool, meshes);
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation: ${error.message}`);
  const wrong = meshes.filter((m, i) => sums[i] !== sum(m.data)).length;
  const stats = pool.allocator.stats();
  drawMap(pool.allocator.ranges(), pool.allocator.size);
  window.webgpuResult = {
    meshes: meshes.length, wrong, alignment: pool.alignment, bufferSize: pool.buffer.size,
    offsets: meshes.map((m) => m.offset), stats,
  };
  log.textContent = [
    `${meshes.length} meshes in one GPUBuffer of ${pool.buffer.size} bytes (grown from 4096), alignment ${pool.alignment}`,
    `GPU sums matching the CPU's: ${meshes.length - wrong} of ${meshes.length}`,
    `used ${stats.usedUnits} bytes, free ${stats.freeUnits} in ${stats.freeRanges} ranges (largest ${stats.largestFreeRange})`,
  ].join('\n');
  document.body.dataset.status = wrong === 0 ? 'ok' : 'error';
}

/** A GPUDevice, or why there is none. */
async function openDevice() {
  if (!('gpu' in navigator)) return 'navigator.gpu is missing (no WebGPU in this browser, or not a secure context)';
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter)';
  return adapter.requestDevice();
}

const SHADER = /* wgsl */ `
  @group(0) @binding(0) var<storage, read> mesh: array<f32>;
  @group(0) @binding(1) var<storage, read_write> total: array<f32>;
  @compute @workgroup_size(1) fn main() {
    var s = 0.0;
    for (var i = 0u; i < arrayLength(&mesh); i++) { s += mesh[i]; }
    total[0] = s;
  }`;

/** Each mesh summed on the GPU through a binding at its offset; one 4-byte result per aligned slot. */
async function gpuSums(device, pool, meshes) {
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
  });
  const slot = pool.alignment;
  const out = device.createBuffer({ size: slot * meshes.length, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: slot * meshes.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  meshes.forEach((m, i) => {
    pass.setBindGroup(0, device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: pool.buffer, offset: m.offset, size: m.data.byteLength } },
        { binding: 1, resource: { buffer: out, offset: i * slot, size: 4 } },
      ],
    }));
    pass.dispatchWorkgroups(1);
  });
  pass.end();
  encoder.copyBufferToBuffer(out, 0, read, 0, out.size);
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const all = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  return meshes.map((_, i) => all[(i * slot) / 4]);
}

function drawMap(ranges, size) {
  const canvas = document.getElementById('map');
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#3b6fd4';
  for (const r of ranges) {
    if (r.state === 'used') g.fillRect((r.offset / size) * canvas.width, 0, Math.max(1, (r.size / size) * canvas.width), canvas.height);
  }
}

main().catch((err) => {
  log.textContent = `error: ${err.message}`;
  window.webgpuResult = { error: String(err.message) };
  document.body.dataset.status = 'error';
});

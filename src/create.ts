/**
 * createHeapWith and attachHeap: lay out a fresh heap in new (or given) memory, or
 * find an existing one by its header. Debug mode comes in as a parameter, so the
 * core entry (core.ts) builds heaps without bundling it; create-heap.ts and
 * create-core-heap.ts bind it.
 */
import type { AllocatorPolicy, PolicyFactory, PolicyOptions } from './alloc/policy.js';
import { ArenaHeap } from './heap/arena-heap.js';
import { allocatorNames, DEFAULT_ALLOCATOR, ownAttachById, policyById, policyByName } from './policies.js';
import { MAX_ADDRESS_SPACE, WASM_PAGE, createBacking, wrapBacking, type Backing } from './os/backing.js';
import { BACKING_CODES, Hdr } from './os/header.js';
import { OsLayer, roundUp } from './os/os-layer.js';
import type { SharedAttachOptions, SharedHeap } from './threads/shared-heap.js';
import { HeapCorruptionError, HeapError } from './base/errors.js';
import { headerProblem } from './os/header-check.js';
import { Heap } from './heap/heap.js';
import type { DebugMode } from './heap/debug-mode.js';
import { keepShapesAlive } from './heap/shape-anchor.js';
import { busyElsewhere, concurrentUse } from './heap/busy-word.js';
import type { AllocatorName, AttachOptions, BackingKind, HeapOptions, OutOfMemoryPolicy } from './base/types.js';
import { isPowerOfTwo, optionInteger } from './base/validate.js';

const BACKINGS: readonly BackingKind[] = BACKING_CODES;

export const DEFAULTS = {
  backing: 'arraybuffer' as BackingKind,
  initialSize: 64 * 1024,
  maxSize: 2 ** 31,
  pageSize: 4096,
  mmapThreshold: 128 * 1024,
  trimThreshold: 128 * 1024,
};

/** A fresh heap; with `debug` on, `debugMode` makes it (null: the entry has no debug mode). */
export function createHeapWith(options: HeapOptions, debugMode: DebugMode | null): Heap {
  if (options === null || typeof options !== 'object') throw new TypeError('createHeap: options must be an object');
  const debug = resolveDebug(options.debug, debugMode);
  const backingKind = options.backing ?? (options.memory ? 'wasm' : DEFAULTS.backing);
  if (!BACKINGS.includes(backingKind)) {
    throw new RangeError(`createHeap: backing must be one of ${BACKINGS.map((b) => `'${b}'`).join(', ')}, got ${JSON.stringify(backingKind)}`);
  }
  if (options.memory !== undefined && !(options.memory instanceof WebAssembly.Memory)) {
    throw new TypeError('createHeap: memory must be a WebAssembly.Memory (with backing: \'wasm\')');
  }
  if (options.memory !== undefined && backingKind !== 'wasm') throw new RangeError(`createHeap: memory is only for backing 'wasm', not '${backingKind}'`);
  const onOutOfMemory = oomOption('createHeap', options.onOutOfMemory);
  const maxSize = optionInteger('maxSize', options.maxSize, Math.min(DEFAULTS.maxSize, MAX_ADDRESS_SPACE), 65536, MAX_ADDRESS_SPACE);
  const pageSize = optionInteger('pageSize', options.pageSize, DEFAULTS.pageSize, 4096, 1 << 30);
  if (!isPowerOfTwo(pageSize)) throw new RangeError(`createHeap: pageSize must be a power of two, got ${pageSize}`);
  const mmapThreshold = optionInteger('mmapThreshold', options.mmapThreshold, DEFAULTS.mmapThreshold, 1024, MAX_ADDRESS_SPACE - 1);
  const trimThreshold = optionInteger('trimThreshold', options.trimThreshold, DEFAULTS.trimThreshold, 0, MAX_ADDRESS_SPACE - 1);
  const staticSize = optionInteger('staticSize', options.staticSize, 0, 0, maxSize);
  const base = optionInteger('base', options.base, 0, 0, MAX_ADDRESS_SPACE - 1);
  if (base % 8 !== 0) throw new RangeError(`createHeap: base must be a multiple of 8, got ${base}`);
  if (base !== 0 && !options.memory) throw new RangeError('createHeap: base is only for an existing WebAssembly.Memory (memory option)');

  const policy = chooseAllocator(options.allocator);
  const policyOptions = policyOptionsOf(policy, options);
  const staticBase = roundUp(base + Hdr.HEADER_BYTES + policy.metadataBytes, 8);
  const heapStart = staticBase + roundUp(staticSize, 8);
  const firstBrk = heapStart + 8; // the sentinel
  if (firstBrk > maxSize) throw new RangeError(`createHeap: maxSize ${maxSize} is too small for the heap's metadata and static area (${firstBrk} bytes)`);
  let initialSize = optionInteger('initialSize', options.initialSize, Math.min(DEFAULTS.initialSize, maxSize), 0, maxSize);
  if (initialSize > maxSize) throw new RangeError(`createHeap: initialSize ${initialSize} exceeds maxSize ${maxSize}`);
  initialSize = Math.max(initialSize, roundUp(firstBrk, 4096));
  if (backingKind === 'wasm') initialSize = Math.min(roundUp(initialSize, WASM_PAGE), Math.max(maxSize, WASM_PAGE));

  const backing = createBacking(backingKind, Math.min(initialSize, maxSize), maxSize, options.memory);
  if (backing.byteLength < firstBrk && !backing.resize(roundUp(firstBrk, WASM_PAGE))) {
    throw new HeapError(`createHeap: the memory cannot hold the heap's metadata (${firstBrk} bytes from base ${base})`);
  }
  const os = new OsLayer(backing, base);
  const u32 = new Uint32Array(backing.buffer, 0, Math.floor(backing.byteLength / 4));
  const f64 = new Float64Array(backing.buffer, 0, Math.floor(backing.byteLength / 8));
  const hw = base >>> 2;
  const hf = (base + Hdr.F_SLOTS_BYTE) >>> 3;
  u32.fill(0, hw, hw + (Hdr.HEADER_BYTES >>> 2));
  u32[hw + Hdr.W_VERSION] = Hdr.LAYOUT_VERSION;
  u32[hw + Hdr.W_POLICY] = policy.policyId;
  u32[hw + Hdr.W_META_BYTES] = heapStart - base;
  u32[hw + Hdr.W_BRK] = firstBrk;
  u32[hw + Hdr.W_HEAP_START] = heapStart;
  u32[hw + Hdr.W_PAGE_SIZE] = pageSize;
  u32[hw + Hdr.W_MMAP_THRESHOLD] = mmapThreshold;
  u32[hw + Hdr.W_TRIM_THRESHOLD] = trimThreshold;
  u32[hw + Hdr.W_STATIC_BASE] = staticBase;
  u32[hw + Hdr.W_STATIC_SIZE] = staticSize;
  u32[hw + Hdr.W_GENERATION] = 0;
  u32[hw + Hdr.W_BACKING] = BACKINGS.indexOf(backingKind);
  u32[hw + Hdr.W_BASE] = base;
  u32[hw + Hdr.W_POLICY_META_BYTES] = policy.metadataBytes;
  f64.fill(0, hf, hf + Hdr.F_SLOT_COUNT);
  f64[hf + Hdr.F_MAX_SIZE] = backingKind === 'wasm' ? Math.min(maxSize, backing.maxByteLength) : maxSize;
  f64[hf + Hdr.F_INITIAL_SIZE] = backing.byteLength;
  f64[hf + Hdr.F_PEAK_BRK] = firstBrk;
  new Uint8Array(backing.buffer, staticBase, heapStart - staticBase).fill(0);
  const allocator = policy.create(os);
  allocator.format(heapStart, policyOptions);
  u32[hw + Hdr.W_MAGIC] = Hdr.HEAP_MAGIC; // last: a half-made heap is never attachable
  keepShapes(backingKind, debug === null ? null : debugMode, policy.name, policyOptions);
  // Debug mode is a subclass chosen here, so the plain Heap's paths carry no debug check.
  return debug === null || debugMode === null ? facade(allocator, os, onOutOfMemory) : debugMode.create(allocator, os, onOutOfMemory, debug);
}

/** The plain facade for a policy: an ArenaHeap when the policy frees by region. */
function facade(allocator: AllocatorPolicy, os: OsLayer, onOutOfMemory: OutOfMemoryPolicy): Heap {
  return allocator.mark !== undefined ? new ArenaHeap(allocator, os, onOutOfMemory) : new Heap(allocator, os, onOutOfMemory);
}

/**
 * A second Heap object over memory that already holds a heap (heap.memory, or
 * the SharedArrayBuffer / WebAssembly.Memory itself). Both see and can use the
 * same blocks. Over a plain ArrayBuffer the attached Heap cannot grow the
 * memory, and if the creator grows it (by copying) the attached Heap throws.
 */
export function attachHeap(memory: SharedArrayBuffer | WebAssembly.Memory, options: AttachOptions & { threadId: number }): SharedHeap;
export function attachHeap(memory: ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory, options?: SharedAttachOptions): Heap;
export function attachHeap(memory: ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory, options: SharedAttachOptions = {}): Heap {
  if (options === null || typeof options !== 'object') throw new TypeError(`attachHeap: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const backing: Backing = wrapBacking(memory);
  const base = optionInteger('base', options.base, 0, 0, MAX_ADDRESS_SPACE - 1, 'attachHeap');
  const onOutOfMemory = oomOption('attachHeap', options.onOutOfMemory);
  if (base % 8 !== 0 || base + Hdr.HEADER_BYTES > backing.byteLength) {
    throw new HeapError(`attachHeap: no heapflow heap at offset ${base}: the memory has only ${backing.byteLength} bytes`, 'BAD_HEAP_MEMORY');
  }
  const u32 = new Uint32Array(backing.buffer, 0, Math.floor(backing.byteLength / 4));
  const hw = base >>> 2;
  if (u32[hw + Hdr.W_MAGIC] !== Hdr.HEAP_MAGIC) {
    // A heap made with `base` cannot be found from offset 0: the bytes below it are the wasm module's.
    const hint = options.base === undefined && memory instanceof WebAssembly.Memory ? '; a heap created with a base must be attached with the same { base }' : '';
    throw new HeapError(`attachHeap: no heapflow heap at offset ${base} of this memory (magic number missing)${hint}`, 'BAD_HEAP_MEMORY');
  }
  if (u32[hw + Hdr.W_VERSION] !== Hdr.LAYOUT_VERSION) {
    throw new HeapError(`attachHeap: heap layout version ${u32[hw + Hdr.W_VERSION]} is not supported (this build reads version ${Hdr.LAYOUT_VERSION})`, 'BAD_HEAP_MEMORY');
  }
  // A heap with an attach of its own (the thread-shared heap: this thread's own SharedHeap).
  const own = ownAttachById(u32[hw + Hdr.W_POLICY]);
  if (own !== undefined) return own.attach(memory as SharedArrayBuffer | WebAssembly.Memory, options);
  const policy = policyById(u32[hw + Hdr.W_POLICY]);
  if (!policy) throw new HeapError(`attachHeap: unknown allocator policy id ${u32[hw + Hdr.W_POLICY]}`, 'BAD_HEAP_MEMORY');
  if (u32[hw + Hdr.W_BASE] !== base) throw new HeapError(`attachHeap: the heap header at ${base} says its base is ${u32[hw + Hdr.W_BASE]}`, 'BAD_HEAP_MEMORY');
  const f64 = new Float64Array(backing.buffer, 0, Math.floor(backing.byteLength / 8));
  const problem = headerProblem(u32, f64, base, backing.byteLength, backing.kind, policy.metadataBytes);
  if (problem !== null) throw new HeapError(`attachHeap: the heap header at ${base} is damaged: ${problem}`, 'BAD_HEAP_MEMORY');
  keepShapes(backing.kind, null, policy.name, {});
  const os = new OsLayer(backing, base);
  const allocator = policy.create(os);
  // The policy's metadata and blocks too: an attached heap must not trust what it cannot check.
  // The walk only reads, so threads attaching at once need not take turns (it does not take the
  // busy word); one that ran while another thread was inside a call is not evidence of damage.
  try {
    allocator.check();
  } catch (e) {
    if (!(e instanceof HeapCorruptionError)) throw e;
    if (busyElsewhere(os)) throw concurrentUse('attachHeap');
    throw new HeapError(`attachHeap: the '${policy.name}' heap in this memory is damaged: ${e.invariant} (block ${e.block})`, 'BAD_HEAP_MEMORY');
  }
  return facade(allocator, os, onOutOfMemory);
}

function chooseAllocator(name: unknown): PolicyFactory {
  if (name === undefined) return policyByName(DEFAULT_ALLOCATOR)!;
  const policy = typeof name === 'string' ? policyByName(name) : undefined;
  if (policy === undefined) {
    throw new RangeError(`createHeap: allocator must be one of ${allocatorNames().map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(name)}`);
  }
  return policy;
}

/** The policy's own options (pool's blockSize), checked by the policy; refused for a policy that has none. */
function policyOptionsOf(policy: PolicyFactory, options: HeapOptions): PolicyOptions {
  const given: PolicyOptions = { blockSize: options.blockSize };
  if (policy.options) return policy.options(given);
  if (given.blockSize !== undefined) throw new RangeError(`createHeap: blockSize is an option of allocator 'pool', not '${policy.name}'`);
  return {};
}

/** One smallest heap of this kind, policy and mode (debug when `debugMode` is given) kept alive: see shape-anchor.ts. */
function keepShapes(kind: BackingKind, debugMode: DebugMode | null, allocator: string, policyOptions: PolicyOptions): void {
  keepShapesAlive(`${kind}+${allocator}${debugMode !== null ? '+debug' : ''}`, () => createHeapWith({
    backing: kind, initialSize: 0, maxSize: 65536, debug: debugMode !== null ? { stacks: false } : undefined,
    allocator: allocator as AllocatorName, blockSize: policyOptions.blockSize,
  }, debugMode));
}

function resolveDebug(debug: HeapOptions['debug'], debugMode: DebugMode | null): ReturnType<DebugMode['resolve']> {
  if (debugMode !== null) return debugMode.resolve(debug);
  if (debug === undefined || debug === false) return null;
  throw new RangeError("createHeap: 'heapflow/core' has no debug mode; import createHeap from 'heapflow' for debug: true");
}

function oomOption(op: string, v: unknown): OutOfMemoryPolicy {
  if (v === undefined) return 'null';
  if (v !== 'null' && v !== 'throw') throw new RangeError(`${op}: onOutOfMemory must be 'null' or 'throw', got ${JSON.stringify(v)}`);
  return v;
}

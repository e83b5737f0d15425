/**
 * The registry of allocator policies: the only place that names every one. createHeap picks
 * a policy by name from it; attachHeap finds the one a heap was made with by the id in its
 * header (the thread-shared heap, which has its own arenas, included).
 */
import type { PolicyFactory } from './alloc/policy.js';
import { pagesPolicy } from './alloc/pages/pages.js';
import { segfitPolicy } from './alloc/segfit/segfit.js';
import { tlsfPolicy } from './alloc/tlsf/tlsf.js';
import { buddyPolicy } from './alloc/buddy/buddy.js';
import { poolPolicy } from './alloc/pool/pool.js';
import { arenaPolicy } from './alloc/arena/arena.js';
import { bestFitPolicy, firstFitPolicy, nextFitPolicy } from './alloc/fits/search.js';
import type { AllocatorName } from './base/types.js';
import type { Heap } from './heap/heap.js';
import { THREADS_POLICY_ID } from './threads/layout.js';
import { attachSharedHeap, type SharedAttachOptions } from './threads/shared-heap.js';

/** Every policy createHeap can make, the default first. */
export const POLICIES: readonly PolicyFactory[] = [
  segfitPolicy, tlsfPolicy, pagesPolicy, buddyPolicy, firstFitPolicy, nextFitPolicy, bestFitPolicy, poolPolicy, arenaPolicy,
];

export const DEFAULT_ALLOCATOR: AllocatorName = 'segfit';

export function policyByName(name: string): PolicyFactory | undefined {
  return POLICIES.find((p) => p.name === name);
}

export function policyById(id: number): PolicyFactory | undefined {
  return POLICIES.find((p) => p.policyId === id);
}

/** The names of every policy, in registry order. */
export function allocatorNames(): AllocatorName[] {
  return POLICIES.map((p) => p.name as AllocatorName);
}

/** The policies that serve any request (the whole conformance suite runs on each). */
export function generalAllocatorNames(): AllocatorName[] {
  return POLICIES.filter((p) => p.kind === 'general').map((p) => p.name as AllocatorName);
}

/** Heaps with an attach of their own: the thread-shared heap gives each thread its own SharedHeap. */
interface OwnAttach {
  readonly policyId: number;
  readonly name: string;
  attach(memory: SharedArrayBuffer | WebAssembly.Memory, options: SharedAttachOptions): Heap;
}

const OWN_ATTACH: readonly OwnAttach[] = [
  { policyId: THREADS_POLICY_ID, name: 'threads', attach: attachSharedHeap },
];

export function ownAttachById(id: number): OwnAttach | undefined {
  return OWN_ATTACH.find((h) => h.policyId === id);
}

/**
 * Whether a policy can serve a trace at all, so that `--allocator all` compares the policies
 * that can: a general-purpose policy serves anything; a pool serves requests up to its block
 * size; an arena frees only by region (its single free does nothing), so it serves a trace
 * that frees nothing and whose allocations, all added up, fit in the heap's default maxSize.
 */
import { DEFAULTS } from '../create.js';
import { policyByName } from '../policies.js';
import { OP_FREE, type Trace } from '../trace/types.js';

/** Block size of a pool made with the defaults (the `blockSize` option's default). */
const POOL_DEFAULT_BLOCK = 64;

export function servesTrace(allocator: string, trace: Trace): boolean {
  const kind = policyByName(allocator)?.kind;
  if (kind === undefined || kind === 'general') return true;
  let largest = 0;
  let total = 0;
  let frees = 0;
  for (let i = 0; i < trace.length; i++) {
    if (trace.kinds[i] === OP_FREE) {
      frees++;
      continue;
    }
    const size = trace.sizes[i] as number;
    largest = Math.max(largest, size);
    total += size;
  }
  if (kind === 'pool') return largest <= POOL_DEFAULT_BLOCK;
  return frees === 0 && total + 16 * trace.length <= DEFAULTS.maxSize;
}

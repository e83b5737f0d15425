/**
 * check(): walks the ranges, the free lists and the offset index and throws
 * HeapCorruptionError (the range's offset and the broken invariant) at the first
 * violation of the invariants listed in layout.ts.
 */
import { HeapCorruptionError } from '../base/errors.js';
import { LIST_COUNT, listOfSize, NIL, NodeState, SL_BITS, SL_COUNT } from './layout.js';
import type { VirtualAllocator } from './virtual-allocator.js';

export function checkVirtual(va: VirtualAllocator): void {
  const walk = checkRanges(va);
  const listed = checkLists(va);
  const fail = (invariant: string): never => {
    throw new HeapCorruptionError(-1, invariant);
  };
  if (listed !== walk.free) fail(`the free lists hold ${listed} ranges, the walk found ${walk.free} free ones`);
  if (walk.free !== va.freeRanges) fail(`freeRanges counter ${va.freeRanges}, the walk found ${walk.free}`);
  if (walk.used !== va.index.count) fail(`the offset index holds ${va.index.count} offsets, the walk found ${walk.used} allocations`);
  if (walk.usedUnits !== va.usedUnits) fail(`usedUnits counter ${va.usedUnits}, the walk found ${walk.usedUnits}`);
  if (walk.freeUnits !== va.freeUnits) fail(`freeUnits counter ${va.freeUnits}, the walk found ${walk.freeUnits}`);
  if (walk.used + walk.free !== va.nodes.live) fail(`${va.nodes.live} node slots in use, the walk found ${walk.used + walk.free} ranges`);
}

interface Walk {
  used: number;
  free: number;
  usedUnits: number;
  freeUnits: number;
}

/** Address order: exact cover of [0, size), links both ways, no two free neighbours, used ranges indexed. */
function checkRanges(va: VirtualAllocator): Walk {
  const nodes = va.nodes;
  const walk: Walk = { used: 0, free: 0, usedUnits: 0, freeUnits: 0 };
  let end = 0;
  let prev = NIL;
  for (let n = va.first; n !== NIL; prev = n, n = nodes.nextPhys[n]) {
    const offset = nodes.offset[n], size = nodes.size[n], state = nodes.state[n];
    const fail = (invariant: string): never => {
      throw new HeapCorruptionError(offset, invariant);
    };
    if (walk.used + walk.free > nodes.capacity) fail('the address-order chain loops');
    if (offset !== end) fail(`the range starts at ${offset}, the previous one ends at ${end}`);
    if (!(size >= 1 && Number.isInteger(size))) fail(`size ${size} is not a positive integer`);
    if (nodes.prevPhys[n] !== prev) fail('prevPhys does not point at the range before it');
    if (state === NodeState.FREE) {
      if (prev !== NIL && nodes.state[prev] === NodeState.FREE) fail('two free ranges are adjacent (not merged)');
      walk.free++;
      walk.freeUnits += size;
    } else if (state === NodeState.USED) {
      if (va.index.get(offset) !== n) fail('a used range is not in the offset index under its offset');
      walk.used++;
      walk.usedUnits += size;
    } else {
      fail(`node ${n} is on the address-order chain but marked unused`);
    }
    end = offset + size;
  }
  if (prev !== va.last) throw new HeapCorruptionError(end, '`last` is not the final range of the walk');
  if (end !== va.size) throw new HeapCorruptionError(end, `the ranges end at ${end}, the space at ${va.size}`);
  return walk;
}

/** Every list: its nodes free, of its size class, linked both ways; bitmap bits match. Returns the nodes listed. */
function checkLists(va: VirtualAllocator): number {
  const nodes = va.nodes, lists = va.lists;
  let listed = 0;
  for (let list = 0; list < LIST_COUNT; list++) {
    const fl = list >>> SL_BITS;
    const bit = (lists.slMaps[fl] >>> (list & (SL_COUNT - 1))) & 1;
    const flBit = fl < 32 ? (lists.flLow >>> fl) & 1 : (lists.flHigh >>> (fl - 32)) & 1;
    const head = lists.heads[list];
    if ((head !== NIL) !== (bit === 1)) throw new HeapCorruptionError(-1, `list ${list}: bitmap bit ${bit} but the list is ${head === NIL ? 'empty' : 'not empty'}`);
    if ((lists.slMaps[fl] !== 0) !== (flBit === 1)) throw new HeapCorruptionError(-1, `first level ${fl}: bitmap bit ${flBit} disagrees with its second-level word`);
    let prev = NIL;
    for (let n = head; n !== NIL; prev = n, n = nodes.nextFree[n]) {
      const fail = (invariant: string): never => {
        throw new HeapCorruptionError(nodes.offset[n], invariant);
      };
      if (++listed > nodes.capacity) fail(`list ${list} loops`);
      if (nodes.state[n] !== NodeState.FREE) fail(`list ${list} holds a range that is not free`);
      if (listOfSize(nodes.size[n]) !== list) fail(`a free range of size ${nodes.size[n]} is in list ${list}, not ${listOfSize(nodes.size[n])}`);
      if (nodes.prevFree[n] !== prev) fail(`list ${list}: prevFree does not point at the range before it`);
    }
  }
  return listed;
}

/**
 * The side arrays: one slot per range (free or used), struct of arrays, grown by
 * doubling when the chain of unused slots runs out. See layout.ts for the picture.
 *
 * Invariant: a slot is UNUSED exactly when it is on the unused chain (linked
 * through nextFree); `live` counts the other slots.
 */
import { NIL, NodeState } from './layout.js';

const INITIAL_CAPACITY = 64;

export class NodeStore {
  offset: Float64Array;
  size: Float64Array;
  prevPhys: Int32Array;
  nextPhys: Int32Array;
  prevFree: Int32Array;
  nextFree: Int32Array;
  state: Uint8Array;
  capacity: number;
  /** Head of the chain of unused slots. */
  unused = NIL;
  /** Slots in use (free or used ranges). */
  live = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.capacity = capacity;
    this.offset = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.prevPhys = new Int32Array(capacity);
    this.nextPhys = new Int32Array(capacity);
    this.prevFree = new Int32Array(capacity);
    this.nextFree = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.chainUnused(0);
  }

  /** A fresh slot (its fields are stale: the caller sets them all). Arrays may be replaced. */
  take(): number {
    if (this.unused === NIL) this.grow();
    const n = this.unused;
    this.unused = this.nextFree[n];
    this.live++;
    return n;
  }

  release(n: number): void {
    this.state[n] = NodeState.UNUSED;
    this.nextFree[n] = this.unused;
    this.unused = n;
    this.live--;
  }

  /** Every slot unused again (capacity kept). */
  clear(): void {
    this.state.fill(NodeState.UNUSED);
    this.unused = NIL;
    this.live = 0;
    this.chainUnused(0);
  }

  get bytes(): number {
    return this.capacity * (8 + 8 + 4 * 4 + 1);
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = old * 2;
    this.offset = copyInto(new Float64Array(capacity), this.offset);
    this.size = copyInto(new Float64Array(capacity), this.size);
    this.prevPhys = copyInto(new Int32Array(capacity), this.prevPhys);
    this.nextPhys = copyInto(new Int32Array(capacity), this.nextPhys);
    this.prevFree = copyInto(new Int32Array(capacity), this.prevFree);
    this.nextFree = copyInto(new Int32Array(capacity), this.nextFree);
    this.state = copyInto(new Uint8Array(capacity), this.state);
    this.capacity = capacity;
    this.chainUnused(old);
  }

  /** Links slots [from, capacity) in front of the unused chain, lowest first. */
  private chainUnused(from: number): void {
    const next = this.nextFree;
    for (let i = this.capacity - 1; i >= from; i--) {
      next[i] = this.unused;
      this.unused = i;
    }
  }
}

function copyInto<T extends Float64Array | Int32Array | Uint8Array>(to: T, from: T): T {
  to.set(from as never);
  return to;
}

/**
 * The TLSF free lists: LIST_COUNT doubly linked lists of free nodes (heads here,
 * links in the NodeStore), a bitmap word of non-empty second levels per first
 * level and a two-word bitmap of non-empty first levels, so the first non-empty
 * list at or above any index is two find-first-set operations away.
 *
 * Invariant: bit (fl, sl) is set exactly when heads[fl * SL_COUNT + sl] !== NIL,
 * and first-level bit fl exactly when slMaps[fl] !== 0.
 */
import { FL_COUNT, LIST_COUNT, listOfSize, lowestBit, NIL, SL_BITS, SL_COUNT } from './layout.js';
import type { NodeStore } from './nodes.js';

export class FreeLists {
  readonly heads = new Int32Array(LIST_COUNT).fill(NIL);
  readonly slMaps = new Uint32Array(FL_COUNT);
  /** First levels 0..31. */
  flLow = 0;
  /** First levels 32..FL_COUNT-1. */
  flHigh = 0;

  constructor(private readonly nodes: NodeStore) {}

  get bytes(): number {
    return this.heads.byteLength + this.slMaps.byteLength + 8;
  }

  insert(n: number): void {
    const nodes = this.nodes;
    const list = listOfSize(nodes.size[n]);
    const head = this.heads[list];
    nodes.prevFree[n] = NIL;
    nodes.nextFree[n] = head;
    if (head !== NIL) nodes.prevFree[head] = n;
    else this.markNonEmpty(list);
    this.heads[list] = n;
  }

  remove(n: number): void {
    const nodes = this.nodes;
    const prev = nodes.prevFree[n], next = nodes.nextFree[n];
    if (next !== NIL) nodes.prevFree[next] = prev;
    if (prev !== NIL) {
      nodes.nextFree[prev] = next;
      return;
    }
    const list = listOfSize(nodes.size[n]);
    this.heads[list] = next;
    if (next === NIL) this.markEmpty(list);
  }

  /** The first non-empty list with index >= `list`, or NIL. */
  firstFrom(list: number): number {
    if (list >= LIST_COUNT) return NIL;
    const fl = list >>> SL_BITS;
    const sl = this.slMaps[fl] & (-1 << (list & (SL_COUNT - 1)));
    if (sl !== 0) return (fl << SL_BITS) + lowestBit(sl);
    const next = this.firstLevelFrom(fl + 1);
    return next === NIL ? NIL : (next << SL_BITS) + lowestBit(this.slMaps[next]);
  }

  /** The highest non-empty list, or NIL. */
  last(): number {
    const fl = this.flHigh !== 0 ? 63 - Math.clz32(this.flHigh) : this.flLow !== 0 ? 31 - Math.clz32(this.flLow) : NIL;
    return fl === NIL ? NIL : (fl << SL_BITS) + 31 - Math.clz32(this.slMaps[fl]);
  }

  clear(): void {
    this.heads.fill(NIL);
    this.slMaps.fill(0);
    this.flLow = 0;
    this.flHigh = 0;
  }

  private firstLevelFrom(fl: number): number {
    if (fl < 32) {
      const low = this.flLow & (-1 << fl);
      if (low !== 0) return lowestBit(low);
      return this.flHigh !== 0 ? 32 + lowestBit(this.flHigh) : NIL;
    }
    const high = fl - 32 < 32 ? this.flHigh & (-1 << (fl - 32)) : 0;
    return high !== 0 ? 32 + lowestBit(high) : NIL;
  }

  private markNonEmpty(list: number): void {
    const fl = list >>> SL_BITS;
    this.slMaps[fl] |= 1 << (list & (SL_COUNT - 1));
    if (fl < 32) this.flLow |= 1 << fl;
    else this.flHigh |= 1 << (fl - 32);
  }

  private markEmpty(list: number): void {
    const fl = list >>> SL_BITS;
    const map = (this.slMaps[fl] &= ~(1 << (list & (SL_COUNT - 1))));
    if (map !== 0) return;
    if (fl < 32) this.flLow &= ~(1 << fl);
    else this.flHigh &= ~(1 << (fl - 32));
  }
}

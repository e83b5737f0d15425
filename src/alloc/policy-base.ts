/**
 * What every policy holds and does the same way: its typed views of the backing and the
 * generation they were read at, where the heap header and its own metadata sit, the work
 * counter, the event listener. A policy extends this and implements the rest of
 * AllocatorPolicy (policy.ts).
 *
 * Invariant: u8/u32/f64 are views of the backing at `generation`, heapStart the header's
 * heap start; sync() re-reads them (refresh) when the header's generation word says the backing was resized, by this Heap
 * object or by another one attached to the same memory.
 *
 * A subclass's constructor calls `this.refresh()` itself, after super(): its own fields are
 * initialised only once the base constructor has returned, so a refresh from here would be
 * overwritten by their initialisers.
 */
import type { HeapEvent, HeapEventListener } from '../base/types.js';
import { Hdr } from '../os/header.js';
import type { OsLayer } from '../os/os-layer.js';
import { heapStartOf } from './integrity.js';
import { memoryViews } from './views.js';

export abstract class PolicyBase {
  u8!: Uint8Array;
  u32!: Uint32Array;
  f64!: Float64Array;
  generation = -1;
  /** Units of work done (AllocatorPolicy.work): blocks examined, list heads and bitmap words probed. */
  work = 0;
  protected listener: HeapEventListener | null = null;
  /** Word index of the heap header, slot index of its f64 counters, word index of the policy metadata. */
  readonly hw: number;
  readonly hf: number;
  readonly pm: number;
  /** Where the first block starts (the header's heap start); it never moves once formatted. */
  heapStart = 0;

  constructor(readonly os: OsLayer) {
    this.hw = os.hw;
    this.hf = os.hf;
    this.pm = (os.base + Hdr.HEADER_BYTES) >>> 2;
  }

  /**
   * Re-reads the views and the heap start (a heap start that moved is a damaged header word).
   * A policy that caches more from the memory overrides this and calls it first.
   */
  refresh(): void {
    this.readViews();
    this.heapStart = heapStartOf(this.u32, this.hw, this.heapStart);
  }

  /** Reads the views of the backing as it is now. */
  protected readViews(): void {
    ({ u8: this.u8, u32: this.u32, f64: this.f64, generation: this.generation } = memoryViews(this.os));
  }

  sync(): void {
    if (this.u32[this.hw + Hdr.W_GENERATION] !== this.generation) this.refresh();
  }

  setListener(listener: HeapEventListener | null): void {
    this.listener = listener;
  }

  /** Gives an event to the listener, if any (callers on hot paths test `listener` first, to build nothing). */
  protected emit(event: HeapEvent): void {
    const ev = this.listener;
    if (ev !== null) ev(event);
  }
}

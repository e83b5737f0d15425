/**
 * The global lock of a thread-shared heap: one futex-style word (W_LOCK of the
 * heap header) taken with Atomics.compareExchange, waited on with Atomics.wait.
 *
 *   word = 0                 unlocked
 *   word = tag + 1           locked by the thread with that tag (thread id)
 *   word | WAITERS           locked, and somebody may be sleeping on it
 *
 * The holder's tag is in the lock word itself (not a second word written after
 * the CAS) so that there is no instant at which the lock is held by an unknown
 * thread: reclaimThread(id) can always tell whether a dead thread holds it.
 *
 * Only short critical sections run under it (taking or returning page runs,
 * growing the buffer, large blocks): a thread spins a little before sleeping.
 * A thread that cannot block (a browser main thread) only spins.
 * A thread that waits longer than LOCK_TIMEOUT_MS throws a HeapError naming the
 * holder instead of hanging forever: that happens only if the holder died
 * inside a critical section and nobody called reclaimThread for it.
 */
import { HeapError } from '../base/errors.js';

export const LOCK_WAITERS = 0x40000000;
export const LOCK_TAG_MASK = 0x3fffffff;
const SPINS = 64;
export const LOCK_TIMEOUT_MS = 10_000;
const WAIT_SLICE_MS = 20;

/** Whether this thread may call Atomics.wait (false on a browser main thread). */
export function canBlock(i32: Int32Array, probeIndex: number): boolean {
  try {
    // The probe word is always 0, so this returns "not-equal" at once where
    // waiting is allowed; where it is not, the agent check throws first.
    Atomics.wait(i32, probeIndex, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock for `tag` (0 <= tag < 2^30 - 1). Returns the lock word's index for symmetry. */
export function lockAcquire(i32: Int32Array, index: number, tag: number, blocking: boolean): void {
  const mine = tag + 1;
  if (Atomics.compareExchange(i32, index, 0, mine) === 0) return;
  lockSlow(i32, index, mine, blocking);
}

function lockSlow(i32: Int32Array, index: number, mine: number, blocking: boolean): void {
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, mine) === 0) return;
  }
  const start = Date.now();
  for (;;) {
    let v = Atomics.load(i32, index);
    if (v === 0) {
      // we may have been woken with other sleepers left: keep the WAITERS bit set
      if (Atomics.compareExchange(i32, index, 0, mine | LOCK_WAITERS) === 0) return;
      continue;
    }
    if (blocking) {
      if ((v & LOCK_WAITERS) === 0) {
        const w = v | LOCK_WAITERS;
        if (Atomics.compareExchange(i32, index, v, w) !== v) continue;
        v = w;
      }
      Atomics.wait(i32, index, v, WAIT_SLICE_MS);
    }
    if (Date.now() - start > LOCK_TIMEOUT_MS) {
      const holder = (Atomics.load(i32, index) & LOCK_TAG_MASK) - 1;
      throw new HeapError(`the shared heap's lock has been held by thread ${holder} for more than ${LOCK_TIMEOUT_MS / 1000} s: ` +
        `if that worker was terminated, call reclaimThread(${holder}) from a thread that knows it died`);
    }
  }
}

export function lockRelease(i32: Int32Array, index: number): void {
  const old = Atomics.exchange(i32, index, 0);
  if ((old & LOCK_WAITERS) !== 0) Atomics.notify(i32, index, 1);
}

/** The tag of the lock's holder, or -1 when it is free. */
export function lockHolder(i32: Int32Array, index: number): number {
  const v = Atomics.load(i32, index);
  return v === 0 ? -1 : (v & LOCK_TAG_MASK) - 1;
}

/**
 * Takes over a lock held by `deadTag` (a thread known to be dead) for `tag`.
 * Returns true if it did; false if the dead thread did not hold it.
 */
export function lockSteal(i32: Int32Array, index: number, deadTag: number, tag: number): boolean {
  for (;;) {
    const v = Atomics.load(i32, index);
    if (v === 0 || (v & LOCK_TAG_MASK) !== deadTag + 1) return false;
    if (Atomics.compareExchange(i32, index, v, (tag + 1) | (v & LOCK_WAITERS)) === v) return true;
  }
}

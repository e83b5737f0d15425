/**
 * Keeps one tiny heap of each configuration alive for the life of the module.
 *
 * Why: V8 gives the objects behind a heap (Heap, its policy, OS layer and
 * backing) hidden classes ("maps") built by transitions as their constructors
 * add fields, and a transition target is referenced weakly. Once every heap of
 * a configuration has been garbage collected, those maps die with them; every
 * piece of optimized code and every inline cache that names them is discarded
 * ("weak objects" deoptimization), and the next heap gets fresh maps and runs
 * cold until V8 re-learns it. A program that makes a heap per task (a test, a
 * request, a benchmark run) would pay that warm-up on every heap: measured at
 * about 2x the instructions per replay of a malloc-lab trace.
 *
 * Cost: one heap of the smallest size per backing kind (and per debug mode)
 * used by the program: 4 KiB for 'arraybuffer', one 64 KiB page for 'wasm',
 * 64 KiB of reserved, 4 KiB of committed memory for 'resizable' and 'shared'.
 */
const anchors = new Map<string, unknown>();

/**
 * Calls `make` once per `key` and keeps what it returns forever. A failure is
 * swallowed: the anchor only saves V8 warm-up, and must never make the caller's
 * own heap fail (it is not retried).
 */
export function keepShapesAlive(key: string, make: () => unknown): void {
  if (anchors.has(key)) return;
  anchors.set(key, null); // first: `make` may create a heap, which comes back here
  try {
    anchors.set(key, make());
  } catch {
    // no anchor for this configuration
  }
}

/**
 * A policy's check() must catch corrupted metadata: flipBitsMissed flips every bit of every
 * given word, one at a time, runs check(), restores the word, and returns what check() missed
 * (or reported with something other than a HeapCorruptionError naming a block).
 */
import { HeapCorruptionError, type Heap } from '../../src/index.js';

export interface MetaWord { word: number; what: string }

export function flipBitsMissed(heap: Heap, words: readonly MetaWord[]): string[] {
  const missed: string[] = [];
  for (const t of words) {
    for (let bit = 0; bit < 32; bit++) {
      const saved = heap.u32[t.word];
      heap.u32[t.word] = (saved ^ (1 << bit)) >>> 0;
      let error: unknown = null;
      try {
        heap.check();
      } catch (e) {
        error = e;
      } finally {
        heap.u32[t.word] = saved;
      }
      if (!(error instanceof HeapCorruptionError) || !error.message.includes(String(error.block))) {
        missed.push(`bit ${bit} of the ${t.what}: ${error === null ? 'not caught' : String(error)}`);
      }
    }
  }
  heap.check();
  return missed;
}

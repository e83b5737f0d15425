/**
 * The facade of a policy that frees by region (an arena): everything a Heap does, plus
 * mark() / release(mark) / reset(). createHeap returns it for any policy that has them.
 */
import { assertSize } from '../base/validate.js';
import { Heap } from './heap.js';

export class ArenaHeap extends Heap {
  /** The current allocation point, for release(). */
  mark(): number {
    return this.guarded('mark', () => this.policy.mark!());
  }

  /** Frees, at once, every block allocated since `mark` was taken. */
  release(mark: number): void {
    assertSize('release', 'mark', mark);
    this.guarded('release', () => this.policy.release!(mark));
    this.settle('release', undefined);
  }

  /** Frees every block at once. */
  reset(): void {
    this.guarded('reset', () => this.policy.reset!());
    this.settle('reset', undefined);
  }
}

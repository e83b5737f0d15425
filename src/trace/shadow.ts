/**
 * Ownership shadow for overlap checks, in the spirit of AddressSanitizer's shadow memory:
 * one 32-bit owner per 8-byte granule of the heap (0 = nobody, otherwise id + 1).
 *
 * Why granules are exact here: every payload starts 8-aligned, so two payloads
 * [p, p + n) and [q, q + m) share a byte if and only if they share a granule
 * (q >= p + n implies q >= roundUp8(p + n), the first granule after p's last one).
 *
 * Claiming a block costs O(size / 8), the same order as writing its byte pattern,
 * so the overlap check adds a constant factor to the verifying replay, not a log factor.
 */

const GRANULE_SHIFT = 3;

export class OwnerShadow {
  private owners = new Uint32Array(0);

  /** Makes the shadow cover heap bytes [0, bytes). Contents are kept. */
  cover(bytes: number): void {
    const granules = Math.ceil(bytes / 8);
    if (granules <= this.owners.length) return;
    const grown = new Uint32Array(Math.max(granules, this.owners.length * 2));
    grown.set(this.owners);
    this.owners = grown;
  }

  /**
   * Marks payload [ptr, ptr + size) as owned by `owner` (> 0). Returns the owner of the
   * first granule that was already taken, or 0 if the range was free. The range must
   * lie inside what `cover` was given.
   */
  claim(ptr: number, size: number, owner: number): number {
    const first = ptr >>> GRANULE_SHIFT;
    const end = granuleEnd(ptr, size);
    const owners = this.owners;
    let conflict = 0;
    for (let g = first; g < end; g++) {
      if (owners[g] !== 0) { conflict = owners[g] as number; break; }
    }
    owners.fill(owner, first, end);
    return conflict;
  }

  /** Marks payload [ptr, ptr + size) as owned by nobody. */
  release(ptr: number, size: number): void {
    this.owners.fill(0, ptr >>> GRANULE_SHIFT, granuleEnd(ptr, size));
  }
}

/** One past the last granule of [ptr, ptr + size); division, since ptr + size may reach 2^32. */
function granuleEnd(ptr: number, size: number): number {
  return Math.floor((ptr + size + 7) / 8);
}

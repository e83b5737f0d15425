/**
 * The buffer a policy's views are made over, re-read after every resize. A plain ArrayBuffer
 * grows by copying: a Heap attached to the old one finds it detached (length 0) and cannot
 * follow, which is an error the program must hear about, not an empty heap.
 */
import { HeapError } from '../base/errors.js';
import type { OsLayer } from '../os/os-layer.js';

export function liveBuffer(os: OsLayer): ArrayBufferLike {
  const buf = os.backing.buffer;
  if (buf.byteLength === 0) {
    throw new HeapError('the memory of this heap was replaced: a plain ArrayBuffer grows by copying, so a ' +
      'Heap attached to the old buffer cannot follow it (use the resizable, shared or wasm backing to share a heap)');
  }
  return buf;
}

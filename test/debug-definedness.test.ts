/**
 * Debug mode tracks definedness from the heap's creation, not from the first heap.checked()
 * (issue #16: blocks allocated before checked() counted as fully defined, so reads of bytes
 * never written went unreported).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHeap, HeapDebugError } from '../src/index.js';

const quiet = { leaksAtExit: false as const, stacks: false };

test('a block malloc\'d before heap.checked() is made still has its unwritten bytes undefined (the issue\'s snippet)', () => {
  const heap = createHeap({ debug: quiet });
  const p = heap.malloc(24);
  const c = heap.checked();
  c.setInt32(p, 5);
  assert.equal(c.getInt32(p), 5);
  assert.throws(() => c.getInt32(p + 8), (e: unknown) => {
    assert.ok(e instanceof HeapDebugError, String(e));
    assert.equal(e.report.kind, 'use-of-uninitialized-value');
    assert.equal(e.report.address, p + 8);
    assert.deepEqual(e.report.block, { ptr: p, size: 24 });
    return true;
  });
});

test('calloc, realloc and markDefined before heap.checked() keep their definedness', () => {
  const heap = createHeap({ debug: { ...quiet, onError: 'collect' } });
  const z = heap.calloc(4, 4); // zeroed: defined
  const r = heap.malloc(8);
  heap.markDefined(r, 4); // bytes written through heap.u8, declared
  const g = heap.realloc(r, 16); // the first 8 bytes keep their states; the new 8 are undefined
  const c = heap.checked();
  assert.equal(c.getUint32(z + 12), 0);
  assert.equal(c.getUint32(g), new DataView(heap.u8.buffer).getUint32(g, true));
  assert.equal(heap.reports().length, 0, heap.reports().map((x) => x.headline).join('; '));
  c.getUint8(g + 4); // not declared
  c.getUint8(g + 12); // grown by realloc
  assert.deepEqual(heap.reports().map((x) => [x.kind, x.address]), [
    ['use-of-uninitialized-value', g + 4], ['use-of-uninitialized-value', g + 12],
  ]);
});

test('property: a checked read is reported exactly when a byte read was never written, whenever checked() was first called', () => {
  type Op =
    | { kind: 'malloc'; size: number; zero: boolean }
    | { kind: 'free'; pick: number }
    | { kind: 'write'; pick: number; at: number; len: number }
    | { kind: 'read'; pick: number; at: number; len: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('malloc' as const), size: fc.integer({ min: 1, max: 300 }), zero: fc.boolean() }),
    fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('write' as const), pick: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('read' as const), pick: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.nat(60), (ops, firstChecked) => {
    const heap = createHeap({ debug: { ...quiet, onError: 'collect' } });
    // the model: every live block and which of its bytes were written
    const live: Array<{ ptr: number; defined: boolean[] }> = [];
    let expected = 0;
    ops.forEach((o, i) => {
      if (o.kind === 'malloc') {
        const ptr = o.zero ? heap.calloc(1, o.size) : heap.malloc(o.size);
        live.push({ ptr, defined: new Array<boolean>(o.size).fill(o.zero) });
        return;
      }
      if (live.length === 0) return;
      const b = live[o.pick % live.length]!;
      if (o.kind === 'free') {
        heap.free(b.ptr);
        live.splice(live.indexOf(b), 1);
        return;
      }
      const at = o.at % b.defined.length;
      const len = Math.min(o.len, b.defined.length - at);
      const c = i >= firstChecked ? heap.checked() : null;
      if (o.kind === 'write') {
        if (c !== null) c.write(b.ptr + at, new Uint8Array(len).fill(7));
        else heap.markDefined(b.ptr + at, len);
        b.defined.fill(true, at, at + len);
      } else if (c !== null) {
        c.read(b.ptr + at, len);
        if (b.defined.slice(at, at + len).some((d) => !d)) expected++;
      }
    });
    const reports = heap.reports();
    assert.ok(reports.every((r) => r.kind === 'use-of-uninitialized-value'), reports.map((r) => r.kind).join());
    assert.equal(reports.length, expected);
  }), { numRuns: 150 });
});

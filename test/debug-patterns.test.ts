/**
 * The pattern fill and scan of debug mode: fillPattern writes exactly its range (word
 * stores when short, TypedArray#fill when long); findNot finds the first byte that differs from a pattern,
 * for short ranges (JS loop) and long ones (native compare in chunks, where available),
 * at every alignment and in every chunk, on every kind of buffer the heap can sit on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillPattern, findNot, findNotFromEnd, FREED_BYTE, GARBAGE_BYTE, REDZONE_BYTE } from '../src/debug/patterns.js';

function views(buffer: ArrayBufferLike): [Uint8Array, Float64Array] {
  return [new Uint8Array(buffer), new Float64Array(buffer)];
}

/** The first differing address by the obvious loop. */
function naive(u8: Uint8Array, from: number, to: number, byte: number): number {
  for (let a = from; a < to; a++) if (u8[a] !== byte) return a;
  return -1;
}

test('findNot: no difference, then each single changed byte, short and long ranges, any alignment', () => {
  const [u8, f64] = views(new ArrayBuffer(300_000));
  for (const [from, to] of [[0, 0], [3, 4], [1, 17], [8, 64], [5, 1029], [16, 1024], [7, 70_001], [8, 200_008], [3, 131_075]] as const) {
    u8.fill(FREED_BYTE);
    assert.equal(findNot(u8, f64, from, to, FREED_BYTE), -1, `[${from}, ${to}) intact`);
    const probes = new Set([from, from + 1, from + 7, from + 8, (from + to) >> 1, 65_536 + from, 65_535 + from, to - 9, to - 1]);
    for (const at of probes) {
      if (at < from || at >= to) continue;
      u8[at] = 0;
      assert.equal(findNot(u8, f64, from, to, FREED_BYTE), at, `[${from}, ${to}) changed at ${at}`);
      u8[at] = FREED_BYTE;
    }
    // A change just outside the range is not seen.
    if (from > 0) u8[from - 1] = 0;
    if (to < u8.length) u8[to] = 0;
    assert.equal(findNot(u8, f64, from, to, FREED_BYTE), -1);
  }
});

test('findNot: the first of several changes, in a later chunk of a long range', () => {
  const [u8, f64] = views(new ArrayBuffer(200_000));
  u8.fill(REDZONE_BYTE);
  for (const at of [150_001, 70_000, 65_540]) u8[at] = 1;
  assert.equal(findNot(u8, f64, 4, 199_990, REDZONE_BYTE), 65_540);
  assert.equal(findNot(u8, f64, 4, 199_990, REDZONE_BYTE), naive(u8, 4, 199_990, REDZONE_BYTE));
  assert.equal(findNot(u8, f64, 65_541, 199_990, REDZONE_BYTE), 70_000);
});

test('findNot works on shared, resizable and Wasm memory', () => {
  const buffers: ArrayBufferLike[] = [
    new SharedArrayBuffer(80_000),
    new ArrayBuffer(80_000, { maxByteLength: 160_000 }),
    new WebAssembly.Memory({ initial: 2 }).buffer,
  ];
  for (const buffer of buffers) {
    const [u8, f64] = views(buffer);
    u8.fill(FREED_BYTE, 0, 80_000);
    assert.equal(findNot(u8, f64, 8, 79_000, FREED_BYTE), -1);
    u8[78_999] = 0x42;
    assert.equal(findNot(u8, f64, 8, 79_000, FREED_BYTE), 78_999);
  }
});

test('findNotFromEnd: the changed byte nearest the end', () => {
  const u8 = new Uint8Array(64).fill(REDZONE_BYTE);
  assert.equal(findNotFromEnd(u8, 8, 24, REDZONE_BYTE), -1);
  u8[9] = 0;
  u8[20] = 0;
  assert.equal(findNotFromEnd(u8, 8, 24, REDZONE_BYTE), 20);
});

test('fillPattern writes exactly [from, to) with the byte, at every alignment and length', () => {
  const [u8, f64] = views(new ArrayBuffer(1024));
  for (const byte of [GARBAGE_BYTE, REDZONE_BYTE, FREED_BYTE, 0, 0xff, 0x80]) {
    for (let from = 0; from < 24; from++) {
      for (const length of [0, 1, 5, 7, 8, 9, 15, 16, 17, 31, 64, 127, 128, 129, 300]) {
        u8.fill(0x11);
        const to = from + length;
        fillPattern(u8, f64, from, to, byte);
        for (let a = 0; a < 512; a++) {
          const want = a >= from && a < to ? byte : 0x11;
          if (u8[a] !== want) assert.fail(`byte 0x${byte.toString(16)} [${from}, ${to}): address ${a} holds ${u8[a]}`);
        }
      }
    }
  }
});

/**
 * The shadow memory of debug mode (granules of 8 bytes, per-byte detail only where a
 * granule's bytes differ) against the simplest model: one state per byte in a plain array.
 * Every operation the debug heap uses (fill, copy with overlap, cover, the access check)
 * is run in random order at random, unaligned places, and every byte compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFINED, FREED, NOT_IN_BLOCK, REDZONE, ShadowMemory, UNDEFINED, type ShadowState } from '../src/debug/shadow.js';

const STATES: ShadowState[] = [NOT_IN_BLOCK, REDZONE, FREED, UNDEFINED, DEFINED];

type Op =
  | { kind: 'fill'; state: ShadowState; from: number; length: number }
  | { kind: 'copy'; to: number; from: number; length: number }
  | { kind: 'cover'; length: number }
  | { kind: 'check'; from: number; length: number; reading: boolean; limit: number };

const SPACE = 600;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('fill' as const), state: fc.constantFrom(...STATES), from: fc.nat(SPACE), length: fc.nat(300) }),
  fc.record({ kind: fc.constant('copy' as const), to: fc.nat(SPACE), from: fc.nat(SPACE), length: fc.nat(200) }),
  // aligned copies take the granule path, so make them common
  fc.record({ kind: fc.constant('copy' as const), to: fc.nat(SPACE / 8).map((g) => g * 8), from: fc.nat(SPACE / 8).map((g) => g * 8), length: fc.nat(200) }),
  fc.record({ kind: fc.constant('cover' as const), length: fc.nat(2 * SPACE) }),
  fc.record({ kind: fc.constant('check' as const), from: fc.integer({ min: -3, max: SPACE }), length: fc.nat(100), reading: fc.boolean(), limit: fc.nat(2 * SPACE) }),
);

/** The model's answer to firstInaccessible. */
function modelFirstInaccessible(model: number[], from: number, to: number, reading: boolean, limit: number): number {
  for (let a = from; a < to; a++) {
    const s = a >= 0 && a < limit && a < model.length ? model[a] : NOT_IN_BLOCK;
    if (!(s === DEFINED || (s === UNDEFINED && !reading))) return a;
  }
  return -1;
}

test('property: the granule shadow holds exactly the per-byte states a plain array does', () => {
  fc.assert(fc.property(fc.nat(SPACE), fc.array(op, { maxLength: 60 }), (initial, ops) => {
    const shadow = new ShadowMemory(initial);
    let covered = initial;
    let model: number[] = new Array<number>(initial).fill(NOT_IN_BLOCK);
    for (const o of ops) {
      if (o.kind === 'cover') {
        shadow.cover(o.length);
        covered = Math.max(covered, o.length);
        while (model.length < covered) model.push(NOT_IN_BLOCK);
      } else if (o.kind === 'fill') {
        // the debug heap covers before writing: writes stay inside the covered length
        const to = Math.min(o.from + o.length, covered);
        shadow.fill(o.state, o.from, to);
        for (let a = o.from; a < to; a++) model[a] = o.state;
      } else if (o.kind === 'copy') {
        const length = Math.max(0, Math.min(o.length, covered - o.to, covered - o.from));
        shadow.copy(o.to, o.from, length);
        model = model.slice(0, o.to).concat(model.slice(o.from, o.from + length), model.slice(o.to + length));
      } else {
        const to = o.from + o.length;
        assert.equal(shadow.firstInaccessible(o.from, to, o.reading, o.limit), modelFirstInaccessible(model, o.from, to, o.reading, o.limit),
          `firstInaccessible(${o.from}, ${to}, ${o.reading}, ${o.limit})`);
      }
    }
    for (let a = -2; a < covered + 70; a++) assert.equal(shadow.state(a), a >= 0 && a < covered ? model[a] : NOT_IN_BLOCK, `state(${a})`);
  }), { numRuns: 400 });
});

test('a granule written byte by byte until its bytes agree reads as one state again', () => {
  const shadow = new ShadowMemory(64);
  shadow.fill(UNDEFINED, 8, 16);
  shadow.fill(DEFINED, 9, 10); // one defined byte in an undefined granule
  assert.equal(shadow.firstInaccessible(8, 16, true, 64), 8);
  assert.equal(shadow.firstInaccessible(9, 10, true, 64), -1);
  for (let a = 8; a < 16; a++) shadow.fill(DEFINED, a, a + 1);
  assert.equal(shadow.firstInaccessible(8, 16, true, 64), -1);
  assert.deepEqual([7, 8, 15, 16].map((a) => shadow.state(a)), [NOT_IN_BLOCK, DEFINED, DEFINED, NOT_IN_BLOCK]);
});

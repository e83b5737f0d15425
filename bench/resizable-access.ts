/**
 * What one typed-array access costs over each kind of buffer a backing can use: the reason the
 * 'resizable' backing is slower than 'arraybuffer' on traces where its buffer never resizes.
 * A script, not a test:
 *
 *   npm run build:test && node .build/bench/resizable-access.js [--rounds N] [--steps N]
 *
 * The kernel is an allocator-like step: two loads and a store at scattered word indexes of a
 * Uint32Array held in an object field (as a policy holds its views), over a 256 KiB buffer.
 * Each buffer kind gets its own copy of the kernel (new Function), so that no call site sees
 * two kinds of typed array. Rounds are interleaved; the figure is the median CPU time per step
 * and its ratio to the plain ArrayBuffer measured in the same round.
 */
import { parseArgs } from 'node:util';
import { median } from './replay.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, steps: { type: 'string', default: '5000000' } },
});
const rounds = Number(values.rounds);
const steps = Number(values.steps);
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${String(values.rounds)}`);
if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`--steps must be a positive integer, got ${String(values.steps)}`);

const WORDS = 1 << 16;
const KINDS: Record<string, () => Uint32Array> = {
  'ArrayBuffer': () => new Uint32Array(new ArrayBuffer(WORDS * 4), 0, WORDS),
  'resizable, fixed-length view': () => new Uint32Array(new ArrayBuffer(WORDS * 4, { maxByteLength: WORDS * 16 }), 0, WORDS),
  'resizable, length-tracking view': () => new Uint32Array(new ArrayBuffer(WORDS * 4, { maxByteLength: WORDS * 16 })),
  'growable shared, fixed-length view': () => new Uint32Array(new SharedArrayBuffer(WORDS * 4, { maxByteLength: WORDS * 16 }), 0, WORDS),
};

type Kernel = (holder: { u32: Uint32Array }, n: number) => number;
const KERNEL = `
  let p = 1;
  for (let i = 0; i < n; i++) {
    const u = holder.u32;
    const a = u[p];
    const b = u[(p + 7) & ${WORDS - 1}];
    u[(p + 3) & ${WORDS - 1}] = (a + b + 1) >>> 0;
    p = (p + 4099 + (a & 1)) & ${WORDS - 1};
  }
  return p;`;

const cases = Object.entries(KINDS).map(([name, make]) => ({
  name,
  holder: { u32: make() },
  kernel: new Function('holder', 'n', KERNEL) as Kernel,
  ns: [] as number[],
  ratio: [] as number[],
}));
for (const c of cases) c.kernel(c.holder, 1_000_000); // warm-up: optimized before timing

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

for (let r = 0; r < rounds; r++) {
  const got = new Map<string, number>();
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(i + r) % cases.length] as (typeof cases)[number];
    const start = cpuNs();
    c.kernel(c.holder, steps);
    got.set(c.name, (cpuNs() - start) / steps);
  }
  const base = got.get('ArrayBuffer') as number;
  for (const c of cases) {
    c.ns.push(got.get(c.name) as number);
    c.ratio.push((got.get(c.name) as number) / base);
  }
}

console.log(`${rounds} interleaved rounds of ${steps} steps (2 loads + 1 store each), CPU time, Node ${process.versions.node}`);
console.log('buffer                                 ns/step (median)   / ArrayBuffer (median, min-max)');
for (const c of cases) {
  console.log(`${c.name.padEnd(37)}  ${median(c.ns).toFixed(2).padStart(8)}           ${median(c.ratio).toFixed(2)} (${Math.min(...c.ratio).toFixed(2)}-${Math.max(...c.ratio).toFixed(2)})`);
}

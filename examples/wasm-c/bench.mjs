// The cost of the JS<->Wasm boundary for a C program whose malloc is heapflow's, measured
// against the same program with an allocator of its own inside the module (mini-alloc.c):
//   npm run bench:wasm            or   node examples/wasm-c/bench.mjs [N] [WORDS]
// Every figure is the median of ROUNDS runs, all in this one process; the ratios compare
// figures of the same run.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from './build.mjs';
import { loadProgram } from './load.mjs';

const n = Number(process.argv[2] ?? 2_000_000);
const words = Number(process.argv[3] ?? 200_000);
const ROUNDS = 7;
const dir = join(tmpdir(), 'heapflow-wasm-c');
// compiled once: every instance shares the module's code, tiered up by the first rounds
const imported = new WebAssembly.Module(readFileSync(buildProgram(join(dir, 'program.wasm'))));
const own = new WebAssembly.Module(readFileSync(buildProgram(join(dir, 'program-own-malloc.wasm'), { ownMalloc: true })));

/** The program with mini-alloc.c as its malloc: nothing but fail() and noop() is imported. */
function loadOwnMalloc() {
  const env = { fail: () => { throw new Error('the C program failed'); }, noop: () => {} };
  return new WebAssembly.Instance(own, { env }).exports;
}

/**
 * Median ns per call of each variant: every round runs every variant once, in turn, so that
 * a busy machine slows them alike. A variant: { calls, run(state), setup() -> state }.
 */
function medians(variants) {
  const samples = variants.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach((v, k) => {
      const state = v.setup?.();
      const start = process.hrtime.bigint();
      v.run(state);
      samples[k].push(Number(process.hrtime.bigint() - start) / v.calls);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[ROUNDS >> 1]);
}

const viaImports = loadProgram(imported);
const ownMalloc = loadOwnMalloc();
const [inner, crossing, pairsOwn, pairsFromJs, pairsFromC] = medians([
  { calls: n, run: () => viaImports.exports.call_inner(n) },
  { calls: n, run: () => viaImports.exports.call_noop(n) },
  { calls: n, run: () => ownMalloc.churn(n, 32) },
  { calls: n, run: () => { const { heap } = viaImports; for (let i = 0; i < n; i++) heap.free(heap.malloc(32)); } },
  { calls: n, run: () => viaImports.exports.churn(n, 32) },
]);
viaImports.heap.check();

// The whole word count, each round in a fresh instance (run() keeps its table until finish()).
const wordCount = (setup) => ({ calls: 1, setup, run: (p) => { p.exports.run(words, 7, 5); p.exports.finish(); } });
const [runOwn, runImports, runRecorded] = medians([
  wordCount(() => ({ exports: loadOwnMalloc() })),
  wordCount(() => loadProgram(imported)),
  wordCount(() => loadProgram(imported, { record: true })),
]);
const check = loadProgram(imported, { record: true });
check.exports.run(words, 7, 5);
const calls = check.recorder.ops;

const f = (ns) => ns.toFixed(1).padStart(8);
const ms = (ns) => `${(ns / 1e6).toFixed(1).padStart(7)} ms`;
console.log(`median of ${ROUNDS} runs; ${n.toLocaleString('en-US')} calls per loop; the word count on ${words.toLocaleString('en-US')} words makes ${calls.toLocaleString('en-US')} allocator calls`);
console.log('');
console.log(`empty function of the module, called from C:  ${f(inner)} ns per call`);
console.log(`empty JS import, called from C:               ${f(crossing)} ns per call   ${(crossing / inner).toFixed(1)}x the call inside the module`);
console.log(`  the boundary alone:                         ${f(crossing - inner)} ns per crossing`);
console.log('');
console.log(`malloc+free pair, mini-alloc.c inside the module:  ${f(pairsOwn)} ns`);
console.log(`malloc+free pair, heapflow from JavaScript:        ${f(pairsFromJs)} ns`);
console.log(`malloc+free pair, heapflow from C via imports:     ${f(pairsFromC)} ns   ${(pairsFromC / pairsFromJs).toFixed(2)}x from JavaScript, `
  + `${(pairsFromC / pairsOwn).toFixed(1)}x mini-alloc.c; its 2 crossings are ${(200 * (crossing - inner) / pairsFromC).toFixed(0)}% of it`);
console.log('');
console.log(`the word count, mini-alloc.c:                     ${ms(runOwn)}`);
console.log(`the word count, heapflow via imports:             ${ms(runImports)}   ${(runImports / runOwn).toFixed(2)}x mini-alloc.c`);
console.log(`the word count, heapflow, every call recorded:    ${ms(runRecorded)}   ${(runRecorded / runImports).toFixed(2)}x not recording`);

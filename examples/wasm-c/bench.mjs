// The cost of the JS<->Wasm boundary for a C program whose malloc is heapflow's:
//   node examples/wasm-c/bench.mjs [N]
// Times, in one run: an empty imported function called from C (the boundary alone), malloc+free
// pairs called from C through the imports, and the same pairs called from JavaScript directly.
import { buildProgram } from './build.mjs';
import { loadProgram } from './load.mjs';

const n = Number(process.argv[2] ?? 2_000_000);
const { exports, heap } = loadProgram(buildProgram());
const ROUNDS = 7;

function nsPer(fn, calls) {
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return samples.sort((a, b) => a - b)[ROUNDS >> 1]; // median
}

const empty = nsPer(() => exports.call_noop(n), n);
const fromC = nsPer(() => exports.churn(n, 32), n);
const fromJs = nsPer(() => { for (let i = 0; i < n; i++) heap.free(heap.malloc(32)); }, n);
heap.check();

console.log(`median of ${ROUNDS} runs of ${n.toLocaleString('en-US')} calls`);
console.log(`empty import called from C:             ${empty.toFixed(1)} ns per call`);
console.log(`malloc+free from C through the imports: ${fromC.toFixed(1)} ns per pair`);
console.log(`malloc+free from JavaScript:            ${fromJs.toFixed(1)} ns per pair`);
console.log(`pairs from C / pairs from JavaScript: ${(fromC / fromJs).toFixed(2)}x `
  + `(each pair crosses the boundary twice; an empty crossing costs ${empty.toFixed(1)} ns)`);

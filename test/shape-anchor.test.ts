/**
 * A heap that is garbage collected must not take V8's optimized code for the
 * next heap with it (src/heap/shape-anchor.ts). Checked in a child process with
 * V8's natives syntax: optimize malloc, drop the only heap, collect, and the
 * code must still be optimized (without the anchor it is discarded: measured).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = pathToFileURL(resolve(here, '../src/index.js')).href;

const OPTIMIZED = 16; // %GetOptimizationStatus bit: the function has optimized code (compiled synchronously: --no-concurrent-recompilation)

const script = `
const { createHeap } = await import(${JSON.stringify(entry)});
const backing = process.argv[1];
function churn(h) { const ps = []; for (let i = 0; i < 3000; i++) ps.push(h.malloc(8 + (i % 300))); for (const p of ps) h.free(p); }
let h = createHeap({ backing, initialSize: 1 << 20, maxSize: 1 << 20 });
const fns = [Object.getPrototypeOf(h).malloc];
for (const f of fns) %PrepareFunctionForOptimization(f);
churn(h);
for (const f of fns) %OptimizeFunctionOnNextCall(f);
churn(h);
const before = fns.map((f) => %GetOptimizationStatus(f));
h = null;
gc(); gc();
const after = fns.map((f) => %GetOptimizationStatus(f));
console.log(JSON.stringify({ before, after }));
`;

for (const backing of ['arraybuffer', 'shared']) {
  test(`optimized heap code survives the collection of the only ${backing} heap`, () => {
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--no-concurrent-recompilation', '--input-type=module', '-e', script, backing], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, after } = JSON.parse(r.stdout) as { before: number[]; after: number[] };
    assert.ok(before.every((s) => (s & OPTIMIZED) !== 0), `precondition: malloc optimized (status ${before.join(', ')})`);
    assert.ok(after.every((s) => (s & OPTIMIZED) !== 0), `optimized code was discarded with the heap (status ${after.join(', ')})`);
  });
}

// A C program compiled to WebAssembly (program.c) whose malloc, calloc, realloc and free are
// heapflow's, in the module's own memory; JavaScript then reads the program's hash table
// through heapflow's views.
//   npm run build && node examples/wasm-c/run.mjs [WORDS] [SEED] [--report report.html]
// With --report, the program's allocations are recorded as it runs (report.hft beside the
// page) and `heapflow report` writes a page replaying them pointer for pointer.
import { parseArgs } from 'node:util';
import { buildProgram } from './build.mjs';
import { loadProgram } from './load.mjs';
import { writeProgramReport } from './report.mjs';

const { values: flags, positionals } = parseArgs({ options: { report: { type: 'string' } }, allowPositionals: true });
const words = Number(positionals[0] ?? 20000);
const seed = Number(positionals[1] ?? 7);
const { exports, heap, base, recorder } = loadProgram(buildProgram(), { record: flags.report !== undefined });

const reportPtr = exports.run(words, seed, 5) >>> 0;
const report = new TextDecoder().decode(heap.u8.subarray(reportPtr, reportPtr + exports.report_length()));
console.log(`C says: ${report}`);

// struct table { unsigned buckets, size, total; struct entry **slots; }
// struct entry { struct entry *next; unsigned count, length; char word[]; }
const table = exports.word_table() >>> 0;
const u32 = heap.u32; // re-read after any call that may grow the memory
const [buckets, size, total, slots] = u32.subarray(table >>> 2, (table >>> 2) + 4);
let entries = 0;
let counted = 0;
let longest = '';
for (let b = 0; b < buckets; b++) {
  for (let e = u32[(slots >>> 2) + b]; e !== 0; e = u32[e >>> 2]) {
    entries++;
    counted += u32[(e >>> 2) + 1];
    const length = u32[(e >>> 2) + 2];
    if (length > longest.length) longest = new TextDecoder().decode(heap.u8.subarray(e + 12, e + 12 + length));
  }
}
console.log(`JS walked the table: ${buckets} buckets, ${entries} entries (C says ${size}), ${counted} words (C says ${total}), longest "${longest}"`);

const stats = heap.stats();
console.log(`heap above base ${base}: ${stats.liveBlocks} live blocks, ${stats.liveBytes} live bytes, heap ${stats.heapSize} bytes`);
heap.check();
if (recorder) {
  // the heap as run() left it: the report opens at this op, every earlier one a step back
  const { page, trace } = writeProgramReport(recorder, base, flags.report);
  console.log(`recorded ${recorder.ops} allocator calls: ${trace}\nreport: ${page}`);
}
exports.finish();
heap.check();
console.log(`after finish(): ${heap.stats().liveBlocks} live blocks; check() passed`);

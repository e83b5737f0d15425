// Bundles the report page (src/report/page/main.ts with heapflow's core and uPlot) into
// dist/report/page.js and its stylesheet into dist/report/page.css, for `heapflow report`
// to inline. Runs at `npm run build`; esbuild is a build-time dependency only.
import { build } from 'esbuild';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'report');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/report/page/main.ts')],
  bundle: true,
  format: 'iife',
  minify: process.env.HEAPFLOW_PAGE_MINIFY !== "0",
  target: ['chrome111'],
  legalComments: 'inline',
  outfile: join(out, 'page.js'),
  logLevel: 'warning',
});
const css = await Promise.all([
  readFile(join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8'),
  readFile(join(root, 'src/report/page/style.css'), 'utf8'),
]);
await writeFile(join(out, 'page.css'), css.join('\n'));

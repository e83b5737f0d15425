/**
 * What an app pays in a bundle for `import { createHeap } from 'heapflow/core'` versus
 * `from 'heapflow'`: esbuild bundles a one-line app for the browser, minified, and we report
 * bytes and gzipped bytes, and which of heapflow's folders went in.
 *
 *   npm run size
 */

import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The package root (this file runs from .build/bench/): 'heapflow' resolves there by self-reference. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BundleSize {
  entry: string;
  bytes: number;
  gzipBytes: number;
  /** heapflow's dist/ folders whose code is in the bundle, e.g. ['alloc', 'base', 'debug', ...]. */
  folders: string[];
}

export async function measureBundle(entry: 'heapflow' | 'heapflow/core'): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: `import { createHeap } from '${entry}';\nglobalThis.heap = createHeap();\n`, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild wrote no output');
  const folders = new Set<string>();
  for (const [input, info] of Object.entries(Object.values(result.metafile.outputs)[0]?.inputs ?? {})) {
    const m = /(?:^|\/)dist\/([^/]+)\//.exec(input);
    if (m !== null && info.bytesInOutput > 0) folders.add(m[1] as string);
  }
  return { entry, bytes: output.contents.byteLength, gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength, folders: [...folders].sort() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  const sizes = [await measureBundle('heapflow/core'), await measureBundle('heapflow')];
  for (const s of sizes) console.log(`import { createHeap } from '${s.entry}'`.padEnd(46), `${kib(s.bytes)} minified, ${kib(s.gzipBytes)} gzipped  (${s.folders.join(', ')})`);
  const [core, full] = sizes as [BundleSize, BundleSize];
  console.log(`core / full: ${(core.bytes / full.bytes).toFixed(2)} minified, ${(core.gzipBytes / full.gzipBytes).toFixed(2)} gzipped`);
}

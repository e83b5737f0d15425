/**
 * The TypeScript snippets of the Markdown docs as files of a scratch ESM TypeScript project in
 * which 'heapflow' is this package (its built .d.ts, through package.json exports).
 *
 * A snippet that imports nothing continues the doc's prelude, written once in the doc as
 * `<!-- ts-prelude: ... -->` (for instance a `heap` every later snippet uses). A snippet that
 * uses names of the reader's own program (a GPU device, a buffer) gets them declared by a
 * `<!-- ts-context: declare const ...; -->` just before its fence, appended after its code.
 */

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocks } from './markdown.js';

export interface Snippet {
  /** Where it comes from, e.g. "docs/threads.md:22" (the line of its first line of code). */
  origin: string;
  file: string;
  /** Lines added before the snippet's own (0, or the prelude's). */
  offset: number;
}

export function tsSnippets(docs: readonly string[], root: string): { origin: string; code: string; prelude: string; context: string }[] {
  const snippets: { origin: string; code: string; prelude: string; context: string }[] = [];
  for (const doc of docs) {
    const markdown = readFileSync(join(root, doc), 'utf8');
    const prelude = /<!--\s*ts-prelude:([\s\S]*?)-->/.exec(markdown)?.[1]?.trim() ?? '';
    for (const block of codeBlocks(markdown)) {
      if (block.lang !== 'ts') continue;
      const imports = /^\s*import\s/m.test(block.code);
      const context = /<!--\s*ts-context:([\s\S]*?)-->\s*$/.exec(block.before)?.[1]?.trim() ?? '';
      snippets.push({ origin: `${doc}:${block.line}`, code: block.code, prelude: imports ? '' : prelude, context });
    }
  }
  return snippets;
}

/** Writes the project into `dir` and returns where each snippet went. */
export function writeSnippetProject(dir: string, root: string, docs: readonly string[]): Snippet[] {
  mkdirSync(join(dir, 'snippets'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'heapflow'), 'dir');
  symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      lib: ['ES2022', 'ES2024.ArrayBuffer', 'ES2024.SharedMemory', 'DOM'], types: ['node'], skipLibCheck: true,
    },
    include: ['snippets/*.ts'],
  }));
  return tsSnippets(docs, root).map((snippet, i) => {
    const file = join('snippets', `${String(i).padStart(3, '0')}-${snippet.origin.replace(/[^\w]+/g, '_')}.ts`);
    const prelude = snippet.prelude === '' ? '' : `${snippet.prelude}\n`;
    // `export {}` makes every snippet a module of its own, so their top-level names do not clash.
    // Declarations (`declare const`) are hoisted, so the context can follow the code and keep its lines.
    writeFileSync(join(dir, file), `${prelude}${snippet.code}${snippet.context === '' ? '' : `${snippet.context}\n`}export {};\n`);
    return { origin: snippet.origin, file, offset: prelude === '' ? 0 : prelude.split('\n').length - 1 };
  });
}

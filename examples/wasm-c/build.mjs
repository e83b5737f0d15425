// Builds program.wasm from program.c and mini-libc.c with Debian's clang and wasm-ld: no
// Emscripten, no libc. `node examples/wasm-c/build.mjs [OUT]` prints the path it wrote.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Compiles the example; returns the .wasm path, or throws naming the missing tool.
 * `ownMalloc`: the allocator is mini-alloc.c, inside the module, instead of heapflow's
 * through imports (for bench.mjs).
 */
export function buildProgram(out = join(tmpdir(), 'heapflow-wasm-c', 'program.wasm'), { ownMalloc = false } = {}) {
  mkdirSync(dirname(out), { recursive: true });
  const args = ['--target=wasm32', '-O2', '-nostdlib', '-ffreestanding', '-mbulk-memory', '-Wall', '-Wextra', '-Werror',
    ...(ownMalloc ? ['-DOWN_MALLOC'] : []),
    '-Wl,--no-entry', '-Wl,--export=__heap_base', '-o', out, join(HERE, 'program.c'), join(HERE, 'mini-libc.c'), join(HERE, 'mini-alloc.c')];
  const run = spawnSync(process.env.CLANG ?? 'clang', args, { encoding: 'utf8' });
  if (run.error?.code === 'ENOENT') throw new Error('clang not found: apt-get install clang lld');
  if (run.status !== 0) throw new Error(`clang failed (wasm-ld comes with lld: apt-get install lld):\n${run.stderr}`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildProgram(process.argv[2]));

/**
 * The interposition library, compiled from interpose.c with the system C compiler on first
 * use and cached under $XDG_CACHE_HOME/heapflow (or ~/.cache/heapflow). The cached file's
 * name carries a hash of the source and the compiler, so an edited source or another
 * compiler builds afresh.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Capture cannot run: no compiler, a failed build, a command that cannot start. */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'heapflow');
}

/** Path of the compiled library, building it if the cache does not hold this version. */
export function interposeLibrary(sourcePath: string, env: NodeJS.ProcessEnv = process.env): string {
  const compiler = env.CC !== undefined && env.CC !== '' ? env.CC : 'cc';
  const source = readFileSync(sourcePath);
  const hash = createHash('sha256').update(source).update(`\0${compiler}\0${process.arch}`).digest('hex').slice(0, 16);
  const dir = cacheDir(env);
  const library = join(dir, `interpose-${hash}.so`);
  if (existsSync(library)) return library;
  mkdirSync(dir, { recursive: true });
  const partial = `${library}.${process.pid}.tmp`;
  const run = spawnSync(compiler, ['-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-o', partial, sourcePath, '-ldl', '-lpthread'],
    { encoding: 'utf8' });
  if (run.error !== undefined && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new CaptureError(`no C compiler '${compiler}' on PATH: heapflow capture compiles its interposition library ` +
      `(${sourcePath}) on first use; install one (e.g. apt-get install gcc) or name it with CC=...`);
  }
  if (run.status !== 0) {
    throw new CaptureError(`'${compiler}' could not build ${sourcePath}:\n${run.stderr.trim()}`);
  }
  renameSync(partial, library); // atomic: a concurrent capture sees the whole file or none
  return library;
}

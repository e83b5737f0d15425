/**
 * The native columns: bench/native/replay.c (same replay rules as the JS loops) built with gcc at
 * bench time and run once per round and trace in its own process (-w 1 -r 1: one validation replay,
 * then one timed sample), interleaved with the JS rounds. glibc always (if gcc is there); jemalloc and
 * mimalloc through LD_PRELOAD when their Debian packages are installed
 * (apt-get install libjemalloc2 libmimalloc2.0).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface NativeAlloc {
  name: string;
  /** LD_PRELOAD library, '' = the system's glibc malloc. */
  so: string;
}

export interface NativeSample {
  nsPerOp: number;
  fail: string | null;
  timeout: boolean;
  lib: string;
}

/** Builds bench/native/replay if needed; returns its path, or an explanation why there is none. */
export function buildNative(benchDir: string): { bin: string | null; msg: string } {
  const src = join(benchDir, 'native', 'replay.c');
  const bin = join(benchDir, 'native', 'replay');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return { bin, msg: 'up to date' };
  const cc = process.env.CC || 'gcc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', bin, src], { encoding: 'utf8' });
  if (r.error) return { bin: null, msg: `${cc} not found (${(r.error as NodeJS.ErrnoException).code}): native columns skipped` };
  if (r.status !== 0) return { bin: null, msg: `${cc} failed: ${(r.stderr || '').slice(0, 300)}: native columns skipped` };
  return { bin, msg: `built with ${cc} -O2` };
}

function soOf(pkg: string, file: string): string | null {
  const r = spawnSync('dpkg', ['-L', pkg], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  const line = r.stdout.split('\n').find((l) => l.endsWith('/' + file));
  return line && existsSync(line) ? line : null;
}

/** glibc plus whichever of jemalloc / mimalloc is installed. */
export function nativeAllocs(want: string[] | null, log: (s: string) => void): NativeAlloc[] {
  const out: NativeAlloc[] = [{ name: 'glibc', so: '' }];
  for (const [name, pkg, file] of [
    ['jemalloc', 'libjemalloc2', 'libjemalloc.so.2'],
    ['mimalloc', 'libmimalloc2.0', 'libmimalloc.so.2'],
  ] as const) {
    if (want && !want.includes(name)) continue;
    const so = soOf(pkg, file);
    if (so) out.push({ name, so });
    else if (want) log(`native ${name}: package ${pkg} not installed, skipped`);
  }
  return want ? out.filter((a) => want.includes(a.name)) : out;
}

/** One round: a fresh process, one validation replay and one timed sample. */
export function runNative(
  bin: string, a: NativeAlloc, tracePath: string, steady: boolean, minSampleOps: number, timeoutS: number,
): NativeSample {
  const args = ['-n', a.name, '-w', '1', '-r', '1', '-m', String(minSampleOps), '-t', String(timeoutS)];
  if (steady) args.push('-s');
  args.push(tracePath);
  const env = a.so ? { ...process.env, LD_PRELOAD: a.so } : process.env;
  const r = spawnSync(bin, args, { encoding: 'utf8', env, maxBuffer: 1 << 20 });
  const line = (r.stdout || '').trim().split('\n').pop() || '';
  try {
    const j = JSON.parse(line);
    return { nsPerOp: j.nsPerOp > 0 ? j.nsPerOp : NaN, fail: j.fail, timeout: !!j.timeout, lib: j.lib };
  } catch {
    return { nsPerOp: NaN, fail: `crashed (exit ${r.status}): ${(r.stderr || '').slice(0, 200)}`, timeout: false, lib: '?' };
  }
}

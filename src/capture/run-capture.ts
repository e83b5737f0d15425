/**
 * `heapflow capture`: runs a command with the interposition library preloaded, then turns
 * every process image's records into a `.hft.gz` trace with resolved call sites.
 *
 * Files: the command's own process writes OUT; any other process image (a forked child, an
 * exec'd program) writes OUT with `.<pid>` (and `.<n>` for the n-th image of that pid)
 * before the extension. Images that made no allocation call write nothing.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTrace } from '../trace/write-trace.js';
import type { Trace } from '../trace/types.js';
import { CaptureError, interposeLibrary } from './build-library.js';
import { decodeRecords } from './raw-records.js';
import { readMaps, symbolize } from './symbolize.js';

export interface CaptureOptions {
  command: string;
  args: string[];
  /** Trace path for the command's own process (.hft.gz, .hft, .rep…). */
  output: string;
  /** interpose.c in the package. */
  sourcePath: string;
  env?: NodeJS.ProcessEnv;
}

export interface CapturedImage {
  pid: number;
  /** 0 for the first image of the pid, 1 after its first exec… */
  image: number;
  path: string;
  trace: Trace;
  calls: Record<string, number>;
  bytes: number;
}

export interface CaptureOutcome {
  exitStatus: number | null;
  signal: NodeJS.Signals | null;
  images: CapturedImage[];
  /** False when addr2line was missing: sites are module+offset only. */
  addr2line: boolean;
  /** Wall time of the command, milliseconds. */
  elapsedMs: number;
}

export async function runCapture(options: CaptureOptions): Promise<CaptureOutcome> {
  const env = options.env ?? process.env;
  const library = interposeLibrary(options.sourcePath, env);
  const dir = mkdtempSync(join(tmpdir(), 'heapflow-capture-'));
  try {
    const preload = env.LD_PRELOAD !== undefined && env.LD_PRELOAD !== '' ? `${library}:${env.LD_PRELOAD}` : library;
    const started = process.hrtime.bigint();
    const child = spawn(options.command, options.args, {
      stdio: 'inherit',
      env: { ...env, LD_PRELOAD: preload, HEAPFLOW_CAPTURE_PREFIX: join(dir, 'rec') },
    });
    const rootPid = child.pid;
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', (error: NodeJS.ErrnoException) => reject(new CaptureError(
        error.code === 'ENOENT' ? `cannot run '${options.command}': not found` : `cannot run '${options.command}': ${error.message}`)));
      child.on('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const images: CapturedImage[] = [];
    let addr2line = true;
    for (const { pid, image, raw } of recordFiles(dir)) {
      const decoded = decodeRecords(join(dir, raw));
      if (decoded.builder.length === 0) continue;
      const { builder, pointers } = decoded;
      const outcome = symbolize(builder.sites, decoded.sitePcs, readMaps(join(dir, raw.replace(/\.raw$/, '.maps'))));
      addr2line &&= outcome.addr2line;
      pointers.recordAnomalies();
      Object.assign(builder.meta, {
        format: 'capture',
        command: [options.command, ...options.args].join(' '),
        pid: String(pid),
        calls: Object.entries(decoded.calls).map(([name, n]) => `${name}=${n}`).join(' '),
      });
      if (image > 0) builder.meta.image = String(image);
      const path = pid === rootPid && image === 0 ? options.output : outputFor(options.output, pid, image);
      const trace = builder.build(path, true);
      await writeTrace(path, trace);
      images.push({ pid, image, path, trace, calls: decoded.calls, bytes: statSync(path).size });
    }
    return { exitStatus: code, signal, images, addr2line, elapsedMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The recorder's files, as pid and image number, in pid order. */
function recordFiles(dir: string): { pid: number; image: number; raw: string }[] {
  return readdirSync(dir)
    .map((raw) => /^rec\.(\d+)\.(\d+)\.raw$/.exec(raw))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), image: Number(m[2]), raw: m[0] }))
    .sort((a, b) => a.pid - b.pid || a.image - b.image);
}

/** OUT with `.<pid>[.<image>]` inserted before its trace extension. */
export function outputFor(output: string, pid: number, image: number): string {
  const m = /(\.(?:rep|hft)(?:\.gz)?)$/.exec(output);
  const stem = m === null ? output : output.slice(0, -m[1]!.length);
  const suffix = image > 0 ? `.${pid}.${image}` : `.${pid}`;
  return `${stem}${suffix}${m?.[1] ?? '.hft.gz'}`;
}

/**
 * `heapflow capture [-o FILE] -- COMMAND [ARGS...]`: records every allocation call of
 * COMMAND (and of the processes it starts) into FILE (default capture.hft.gz), then says
 * what was recorded on stderr. Returns 0, or 1 when the command itself failed (the traces
 * are written either way).
 */

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CaptureOutcome, runCapture } from '../capture/run-capture.js';
import { findPackageRoot } from './package-root.js';
import { parsingArguments, UsageError } from './usage.js';
import { outputFormatOf } from '../trace/write-trace.js';

const DEFAULT_OUTPUT = 'capture.hft.gz';

export async function captureCommand(args: string[]): Promise<number> {
  const separator = args.indexOf('--');
  if (separator < 0 || separator === args.length - 1) throw new UsageError('capture needs -- COMMAND [ARGS...]');
  const { values, positionals } = parsingArguments(() => parseArgs({
    args: args.slice(0, separator),
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string', short: 'o' } },
  }));
  if (positionals.length > 0) throw new UsageError(`unexpected '${positionals[0]}' before --`);
  const output = values.output ?? DEFAULT_OUTPUT;
  if (outputFormatOf(output) === undefined) throw new UsageError(`cannot tell the trace format of '${output}': name it .hft.gz, .hft, .rep or .rep.gz`);
  const [command, ...commandArgs] = args.slice(separator + 1) as [string, ...string[]];
  const outcome = await runCapture({
    command,
    args: commandArgs,
    output,
    sourcePath: join(findPackageRoot(), 'src', 'capture', 'interpose.c'),
  });
  process.stderr.write(describeCapture(outcome));
  return outcome.exitStatus === 0 ? 0 : 1;
}

export function describeCapture(outcome: CaptureOutcome): string {
  const lines: string[] = [];
  const status = outcome.signal !== null ? `killed by ${outcome.signal}` : `exited with status ${outcome.exitStatus}`;
  lines.push(`heapflow capture: the command ${status} after ${(outcome.elapsedMs / 1000).toFixed(2)} s`);
  if (outcome.images.length === 0) lines.push('  no allocation call was recorded (a static binary, or a setuid one that ignores LD_PRELOAD?)');
  for (const image of outcome.images) {
    const meta = image.trace.detail?.meta ?? {};
    const unmatched = ['unknown-frees', 'unknown-reallocs', 'implied-frees', 'failed-allocs']
      .filter((key) => meta[key] !== undefined).map((key) => `${key} ${meta[key]}`);
    lines.push(`  ${image.path}: pid ${image.pid}${image.image > 0 ? ` (image ${image.image})` : ''}, ${image.trace.length} ops, ` +
      `${image.trace.detail?.sites.length ?? 0} call sites, ${image.trace.detail?.threads.length ?? 0} threads, ${image.bytes} bytes` +
      (unmatched.length > 0 ? `; not matched: ${unmatched.join(', ')}` : ''));
    lines.push(`    calls: ${meta.calls ?? ''}`);
  }
  if (!outcome.addr2line) lines.push('  addr2line (binutils) not found: call sites are module+offset only (apt-get install binutils)');
  return `${lines.join('\n')}\n`;
}

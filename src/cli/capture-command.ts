/**
 * `heapflow capture [-o FILE] -- COMMAND [ARGS...]`: records every allocation call of
 * COMMAND (and of the processes it starts) into FILE (default capture.hft.gz), then says
 * what was recorded on stderr. Exit status 0, or 1 when the command itself failed (the
 * traces are written either way).
 */

import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type CaptureOutcome, runCapture } from '../capture/run-capture.js';
import { outputFormatOf } from '../trace/write-trace.js';
import { ANOMALY_KEYS } from './convert-command.js';
import { findPackageRoot } from './package-root.js';

const DEFAULT_OUTPUT = 'capture.hft.gz';

export function registerCapture(program: Command): void {
  program.command('capture')
    .summary('run a native program and record its allocations into a trace')
    .description('Run COMMAND with an LD_PRELOAD recorder (src/capture/interpose.c, built with the system C compiler '
      + '(cc, or $CC) on first use and cached in ~/.cache/heapflow) and write every malloc, calloc, realloc, '
      + 'reallocarray, free, posix_memalign, aligned_alloc, memalign and valloc, with time, thread, alignment and '
      + 'call site (resolved with addr2line), to FILE. Other processes it starts get FILE.<pid> (FILE.<pid>.<n> '
      + 'after an exec). Run Python with PYTHONMALLOC=malloc to see its small objects. See docs/capture.md.')
    .usage('[-o FILE] -- COMMAND [ARGS...]')
    .argument('<command...>', 'the program and its arguments, after --')
    .option('-o, --output <file>', 'trace file (.hft.gz, .hft, .rep, .rep.gz)', parseOutput, DEFAULT_OUTPUT)
    .action(async (command: string[], flags: { output: string }) => {
      const [name, ...args] = command as [string, ...string[]];
      const outcome = await runCapture({
        command: name,
        args,
        output: flags.output,
        sourcePath: join(findPackageRoot(), 'src', 'capture', 'interpose.c'),
      });
      process.stderr.write(describeCapture(outcome));
      process.exitCode = outcome.exitStatus === 0 ? 0 : 1;
    });
}

function parseOutput(value: string): string {
  if (outputFormatOf(value) === undefined) throw new InvalidArgumentError('Name it .hft.gz, .hft, .rep or .rep.gz.');
  return value;
}

export function describeCapture(outcome: CaptureOutcome): string {
  const lines: string[] = [];
  const status = outcome.signal !== null ? `killed by ${outcome.signal}` : `exited with status ${outcome.exitStatus}`;
  lines.push(`heapflow capture: the command ${status} after ${(outcome.elapsedMs / 1000).toFixed(2)} s`);
  if (outcome.images.length === 0) lines.push('  no allocation call was recorded (a static binary, or a setuid one that ignores LD_PRELOAD?)');
  for (const image of outcome.images) {
    const meta = image.trace.detail?.meta ?? {};
    const unmatched = ANOMALY_KEYS.filter((key) => meta[key] !== undefined).map((key) => `${key} ${meta[key]}`);
    lines.push(`  ${image.path}: pid ${image.pid}${image.image > 0 ? ` (image ${image.image})` : ''}, ${image.trace.length} ops, `
      + `${image.trace.detail?.sites.length ?? 0} call sites, ${image.trace.detail?.threads.length ?? 0} threads, ${image.bytes} bytes`
      + (unmatched.length > 0 ? `; not matched: ${unmatched.join(', ')}` : ''));
    lines.push(`    calls: ${meta.calls ?? ''}`);
  }
  if (!outcome.addr2line) lines.push('  addr2line (binutils) not found: call sites are module+offset only (apt-get install binutils)');
  return `${lines.join('\n')}\n`;
}

/**
 * `heapflow convert IN -o OUT [--from FORMAT]`: reads a trace or another tool's log
 * (format recognised from the content unless --from names it) and writes OUT in the
 * format its extension names (.rep, .hft, either with .gz). What could not be matched
 * (frees of unknown pointers and the like) is reported on stderr.
 */

import { type Command, InvalidArgumentError } from 'commander';
import { TRACE_FORMATS, type TraceFormat } from '../trace/formats.js';
import { checkLiveness } from '../trace/liveness.js';
import { readTrace } from '../trace/read-trace.js';
import type { Trace } from '../trace/types.js';
import { outputFormatOf, writeTrace } from '../trace/write-trace.js';

/** Metadata keys that count something the import could not match. */
export const ANOMALY_KEYS = ['unknown-frees', 'unknown-reallocs', 'implied-frees', 'failed-allocs', 'posix-memalign-skipped', 'unfinished-calls', 'implausible-calls'];

interface ConvertFlags { output: string; from?: TraceFormat }

export function registerConvert(program: Command): void {
  program.command('convert')
    .summary('convert a trace or another tool\'s log (mtrace, ltrace, malloc_debug) to .rep or .hft')
    .description('Read IN (.rep, .hft, a glibc mtrace log, ltrace -e malloc+free+calloc+realloc output or Android '
      + 'malloc_debug record_allocs text; gzipped or not; recognised from the content unless --from names it) and write '
      + 'OUT in the format its extension names: .rep, .hft, .rep.gz or .hft.gz. Pointers become ids (an address reused '
      + 'after a free is a new id); frees of pointers the log never returned are counted and reported.')
    .argument('<in>', 'trace or log file')
    .requiredOption('-o, --output <out>', 'output file (.rep, .hft, .rep.gz, .hft.gz)', parseOutput)
    .option('--from <format>', `input format: ${TRACE_FORMATS.join(' | ')}`, parseFormat)
    .action(async (input: string, flags: ConvertFlags) => {
      const trace = await readTrace(input, flags.from === undefined ? {} : { format: flags.from });
      checkLiveness(trace);
      await writeTrace(flags.output, trace);
      process.stderr.write(`${describeConversion(trace, flags.output)}\n`);
    });
}

/** One line: what was read and written, and every count of unmatched calls. */
export function describeConversion(trace: Trace, output: string): string {
  const meta = trace.detail?.meta ?? {};
  const from = meta.format ?? (trace.detail === undefined ? 'rep' : 'hft');
  const anomalies = ANOMALY_KEYS.filter((key) => meta[key] !== undefined).map((key) => `${key} ${meta[key]}`);
  const note = anomalies.length > 0 ? `; not matched: ${anomalies.join(', ')}` : '';
  return `heapflow: ${trace.source} (${from}): ${trace.length} ops, ${trace.idCount} ids -> ${output}${note}`;
}

function parseOutput(value: string): string {
  if (outputFormatOf(value) === undefined) throw new InvalidArgumentError('Name it .rep, .hft, .rep.gz or .hft.gz.');
  return value;
}

function parseFormat(value: string): TraceFormat {
  const format = TRACE_FORMATS.find((name) => name === value);
  if (format === undefined) throw new InvalidArgumentError(`Expected one of ${TRACE_FORMATS.join(', ')}.`);
  return format;
}

/**
 * `heapflow convert IN -o OUT [--from FORMAT]`: reads a trace or another tool's log
 * (format recognised from the content unless --from names it) and writes OUT in the
 * format its extension names (.rep, .hft, either with .gz). What could not be matched
 * (frees of unknown pointers and the like) is reported on stderr.
 */

import { parseArgs } from 'node:util';
import { TRACE_FORMATS, type TraceFormat } from '../trace/formats.js';
import { checkLiveness } from '../trace/liveness.js';
import { readTrace } from '../trace/read-trace.js';
import type { Trace } from '../trace/types.js';
import { outputFormatOf, writeTrace } from '../trace/write-trace.js';
import { parsingArguments, UsageError } from './usage.js';

/** Metadata keys that count something the import could not match. */
const ANOMALY_KEYS = ['unknown-frees', 'unknown-reallocs', 'implied-frees', 'failed-allocs', 'posix-memalign-skipped', 'unfinished-calls'];

export async function convertCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsingArguments(() => parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string', short: 'o' }, from: { type: 'string' } },
  }));
  if (positionals.length !== 1) throw new UsageError('convert needs exactly one input file');
  const output = values.output;
  if (output === undefined) throw new UsageError('convert needs -o OUT (.rep, .hft, .rep.gz or .hft.gz)');
  if (outputFormatOf(output) === undefined) {
    throw new UsageError(`cannot tell the output format of '${output}': name it .rep, .hft, .rep.gz or .hft.gz`);
  }
  const input = positionals[0] as string;
  const trace = await readTrace(input, { format: parseFormat(values.from) });
  checkLiveness(trace);
  await writeTrace(output, trace);
  process.stderr.write(`${describeConversion(trace, output)}\n`);
  return 0;
}

/** One line: what was read and written, and every count of unmatched calls. */
export function describeConversion(trace: Trace, output: string): string {
  const meta = trace.detail?.meta ?? {};
  const from = meta.format ?? (trace.detail === undefined ? 'rep' : 'hft');
  const anomalies = ANOMALY_KEYS.filter((key) => meta[key] !== undefined).map((key) => `${key} ${meta[key]}`);
  const note = anomalies.length > 0 ? `; not matched: ${anomalies.join(', ')}` : '';
  return `heapflow: ${trace.source} (${from}): ${trace.length} ops, ${trace.idCount} ids -> ${output}${note}`;
}

function parseFormat(value: string | undefined): TraceFormat | undefined {
  if (value === undefined) return undefined;
  const format = TRACE_FORMATS.find((name) => name === value);
  if (format === undefined) throw new UsageError(`unknown format '${value}': expected one of ${TRACE_FORMATS.join(', ')}`);
  return format;
}

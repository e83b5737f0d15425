#!/usr/bin/env node
/**
 * The `heapflow` command. Exit status: 0 all good, 1 a check failed, 2 bad usage or a
 * malformed or missing trace (one line on stderr naming file and line, no stack trace).
 */

import { TraceFileError } from '../trace/read-rep.js';
import { TraceFormatError } from '../trace/types.js';
import { ReportBuildError } from '../report/write-report.js';
import { demoCommand } from './demo-command.js';
import { replayCommand } from './replay-command.js';
import { reportCommand } from './report-command.js';
import { USAGE, UsageError } from './usage.js';

const EXIT_CHECK_FAILED = 1;
const EXIT_BAD_INPUT = 2;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay': return replayCommand(rest);
    case 'demo': return demoCommand(rest);
    case 'report': return reportCommand(rest);
    case 'help': case '--help': case '-h':
      process.stdout.write(USAGE);
      return 0;
    case undefined: throw new UsageError('missing command');
    default: throw new UsageError(`unknown command '${command}'`);
  }
}

async function main(): Promise<void> {
  try {
    process.exitCode = await run(process.argv.slice(2));
  } catch (error) {
    process.exitCode = explain(error);
  }
}

/** Prints what went wrong and returns the exit status. */
function explain(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`heapflow: ${error.message}\n\n${USAGE}`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof TraceFormatError || error instanceof TraceFileError || error instanceof ReportBuildError) {
    process.stderr.write(`heapflow: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  // Anything else is a bug in heapflow: keep the stack, it is what a bug report needs.
  process.stderr.write(`heapflow: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  return EXIT_CHECK_FAILED;
}

await main();

/**
 * The `heapflow` program before its commands are added, and the runner that turns every way a
 * run can end into an exit status: 0 all good, 1 a check failed, 2 bad usage or a malformed or
 * missing trace (one line on stderr, no stack trace).
 */

import { Command, CommanderError } from 'commander';
import { CaptureError } from '../capture/build-library.js';
import { TraceFileError } from '../trace/read-rep.js';
import { TraceFormatError } from '../trace/types.js';
import { packageVersion } from './package-root.js';
import { UsageError } from './usage.js';

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

const NAME = 'heapflow';

/** The root command: name, version, help; errors are thrown to `runProgram`, never printed by commander. */
export function createProgram(): Command {
  return new Command(NAME)
    .description('malloc/free/realloc over an ArrayBuffer, replayed and explained')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (also: heapflow help COMMAND)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText('after', '\nExit status: 0 all good, 1 a check failed, 2 bad usage or a malformed or missing trace.\n');
}

/**
 * Runs the program on `argv` (the arguments after `node main.js`) and returns the exit status.
 * Commands set `process.exitCode` (0 or 1) from their action; what they throw lands here.
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(`${NAME}: missing command\n\n${program.helpInformation()}`);
    return EXIT_BAD_INPUT;
  }
  process.exitCode = EXIT_OK;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    return explain(error, helpHint(program, argv));
  }
}

/** Prints what went wrong (one line) and returns the exit status. */
function explain(error: unknown, hint: string): number {
  if (error instanceof CommanderError) {
    // Help and --version "fail" with exit code 0 after printing on stdout.
    if (error.exitCode === 0) return EXIT_OK;
    process.stderr.write(`${NAME}: ${withHint(oneLine(error.message), hint)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${NAME}: ${withHint(error.message, hint)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof TraceFormatError || error instanceof TraceFileError || error instanceof CaptureError) {
    process.stderr.write(`${NAME}: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  // Anything else is a bug in heapflow: keep the stack, it is what a bug report needs.
  process.stderr.write(`${NAME}: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  return EXIT_CHECK_FAILED;
}

/** Commander's messages start with "error: " and put the "(Did you mean …?)" suggestion on a line of its own. */
function oneLine(message: string): string {
  return message.replace(/^error: /, '').split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
}

function withHint(message: string, hint: string): string {
  return `${message.replace(/\.$/, '')}; see '${hint}'`;
}

/** `heapflow COMMAND --help` when the first argument names a command, else `heapflow --help`. */
function helpHint(program: Command, argv: readonly string[]): string {
  const command = program.commands.find((c) => c.name() === argv[0] || c.aliases().includes(argv[0] ?? ''));
  return command === undefined ? `${NAME} --help` : `${NAME} ${command.name()} --help`;
}

#!/usr/bin/env node
/**
 * The `heapflow` command: the program with each command registered from its own file.
 * Exit status: 0 all good, 1 a check failed, 2 bad usage or a malformed or missing trace.
 */

import { registerCapture } from './capture-command.js';
import { registerConvert } from './convert-command.js';
import { registerDemo } from './demo-command.js';
import { createProgram, runProgram } from './program.js';
import { registerReplay } from './replay-command.js';
import { registerReport } from './report-command.js';

const program = createProgram();
registerReplay(program);
registerDemo(program);
registerConvert(program);
registerCapture(program);
registerReport(program);

process.exitCode = await runProgram(program, process.argv.slice(2));

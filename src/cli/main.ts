#!/usr/bin/env node
/**
 * The `marianne-snapshot` command: `serve` runs the daemon, every other
 * command is a client of it.
 */
import { Command, CommanderError } from 'commander';
import { readPackageVersion } from '../server/package-version.js';
import type { AddCommand, CommandEnvironment } from './client-command.js';
import { addCaptureCommand } from './commands/capture.js';
import { addCleanupCommand } from './commands/cleanup.js';
import { addDeleteCommand } from './commands/delete.js';
import { addDiffCommand } from './commands/diff.js';
import { addHealthCommand } from './commands/health.js';
import { addListCommand } from './commands/list.js';
import { addPinCommand, addUnpinCommand } from './commands/pin.js';
import { addRestoreCommand } from './commands/restore.js';
import { addShowCommand } from './commands/show.js';
import { addVerifyCommand } from './commands/verify.js';
import {
  chooseExitStatus,
  formatUsageError,
  printError,
} from './exit-status.js';
import { addServeCommand } from './serve.js';
import { createTerminal } from './terminal.js';

const CLIENT_COMMANDS: AddCommand[] = [
  addHealthCommand,
  addCaptureCommand,
  addListCommand,
  addShowCommand,
  addCleanupCommand,
  addDeleteCommand,
  addVerifyCommand,
  addRestoreCommand,
  addDiffCommand,
  addPinCommand,
  addUnpinCommand,
];

// A reader that stops early (`| head`) closes the pipe: the output is no
// longer wanted, which is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const terminal = createTerminal({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
const environment: CommandEnvironment = {
  terminal,
  exit: (status) => (process.exitCode = status),
};

// Usage errors are thrown rather than exiting, so that they end with the
// contract's status 2 and read like every other error.
const program = new Command('marianne-snapshot')
  .description('Durable snapshots of Marianne job workspaces')
  .version(readPackageVersion())
  .exitOverride();
addServeCommand(program);
for (const addCommand of CLIENT_COMMANDS) addCommand(program, environment);

for (const command of [program, ...program.commands]) {
  const name =
    command === program
      ? program.name()
      : `${program.name()} ${command.name()}`;
  command.configureOutput({
    outputError: (message) => {
      for (const line of formatUsageError(message, name)) terminal.err(line);
    },
  });
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) printError(terminal, error);
  process.exitCode = chooseExitStatus(error);
}

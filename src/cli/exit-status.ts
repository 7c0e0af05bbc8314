/**
 * Exit statuses, the contract's promise to scripts, and the one way errors
 * are printed: `marianne-snapshot: <message> (<CODE>)` with what to do on
 * the next line.
 */
import { CommanderError } from 'commander';
import {
  CLIENT_ONLY_ERRORS,
  ERRORS,
  SnapshotError,
} from '../../protocol/index.js';
import { DEFAULT_SOCKET_PATH } from './arguments.js';
import type { Terminal } from './terminal.js';

export const EXIT = {
  /** Done. */
  OK: 0,
  /** The operation failed, found problems, or captured nothing. */
  FAILED: 1,
  /** The command line or a param was wrong. */
  USAGE: 2,
  /** No daemon answered; the outcome of a write is then unknown. */
  UNREACHABLE: 3,
  /** Ctrl-C cancelled the operation (128 + SIGINT, as shells report it). */
  INTERRUPTED: 130,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

// A param the daemon refused is bad usage like a bad flag. A daemon that
// stopped answering mid-call is grouped with one that never answered:
// either way the command could not learn the outcome.
export function chooseExitStatus(error: unknown): ExitStatus {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (!(error instanceof SnapshotError)) return EXIT.FAILED;

  if (error.code === 'INVALID_PARAMS') return EXIT.USAGE;
  if (error.code === 'REQUEST_CANCELLED') return EXIT.INTERRUPTED;
  if (CLIENT_ONLY_ERRORS.includes(error.code)) return EXIT.UNREACHABLE;
  return EXIT.FAILED;
}

export function printError(terminal: Terminal, error: unknown): void {
  const paint = terminal.paintErr;

  if (!(error instanceof SnapshotError)) {
    const message = error instanceof Error ? error.message : String(error);
    terminal.err(`marianne-snapshot: ${message}`);
    return;
  }

  terminal.err(
    `marianne-snapshot: ${error.message} ${paint.red(`(${error.code})`)}`,
  );
  terminal.err(`  ${paint.dim(describeResolution(error))}`);
}

// The registry says how to start a daemon; on a socket other than the
// default, the command that does it must name that socket.
function describeResolution(error: SnapshotError): string {
  const socket = error.data.socket;
  if (
    error.code === 'DAEMON_UNREACHABLE' &&
    typeof socket === 'string' &&
    socket !== DEFAULT_SOCKET_PATH
  ) {
    const command = `marianne-snapshot serve --socket ${socket}`;
    return `Start a daemon with \`${command}\`.`;
  }
  return ERRORS[error.code].resolution;
}

/** A usage error from commander, in the same shape as every other error. */
export function formatUsageError(message: string, command: string): string[] {
  const text = message.replace(/^error: /, '').trimEnd();
  return [`marianne-snapshot: ${text} (USAGE)`, `  See \`${command} --help\`.`];
}

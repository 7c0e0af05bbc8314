/**
 * How the client names what went wrong: no daemon at the socket, a daemon
 * that answered with an error, or a daemon that stopped answering. Each
 * becomes a `SnapshotError` with its registry code, so callers branch on
 * `err.code` and never on message text.
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  SnapshotError,
  errorCodeForNumber,
  isErrorCode,
} from '../../protocol/index.js';

const START_HINT = 'start one with `marianne-snapshot serve`';

/** Why a socket could not be connected to, in words a person can act on. */
const CONNECT_FAILURES: Record<string, string> = {
  ENOENT: 'the socket file does not exist',
  ECONNREFUSED: 'nothing listens on it (a daemon stopped without removing it)',
  ENOTSOCK: 'the path is not a socket',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EAGAIN: 'the daemon is not accepting connections (its backlog is full)',
  ENAMETOOLONG: 'the path is too long for a Unix socket',
};

// A Unix socket address holds 107 bytes of path; Node would silently
// connect to the truncated name instead.
export const MAX_SOCKET_PATH_BYTES = 107;

export function createUnreachableError(
  socket: string,
  cause?: NodeJS.ErrnoException,
): SnapshotError {
  const reason =
    (cause?.code && CONNECT_FAILURES[cause.code]) ??
    cause?.message ??
    'the connection failed';
  return new SnapshotError(
    'DAEMON_UNREACHABLE',
    `no daemon at ${socket}: ${reason}; ${START_HINT}`,
    { socket, errno: cause?.code },
    { cause },
  );
}

export function createPathTooLongError(socket: string): SnapshotError {
  const bytes = Buffer.byteLength(socket);
  return new SnapshotError(
    'DAEMON_UNREACHABLE',
    `no daemon at ${socket}: the path is ${bytes} bytes, longer than the ` +
      `${MAX_SOCKET_PATH_BYTES} a Unix socket allows; use a shorter --socket`,
    { socket },
  );
}

export function createTimeoutError(options: {
  socket: string;
  method: string;
  timeoutMs: number;
}): SnapshotError {
  const { socket, method, timeoutMs } = options;
  return new SnapshotError(
    'DAEMON_TIMEOUT',
    `the daemon at ${socket} did not answer ${method} within ${timeoutMs} ms`,
    { socket, method, timeout_ms: timeoutMs },
  );
}

export function createConnectionLostError(options: {
  socket: string;
  method: string;
}): SnapshotError {
  const { socket, method } = options;
  return new SnapshotError(
    'CONNECTION_LOST',
    `the connection to ${socket} closed before the reply to ${method}`,
    { socket, method },
  );
}

export function createCancelledError(method: string): SnapshotError {
  return new SnapshotError(
    'REQUEST_CANCELLED',
    `${method} was cancelled before it was sent`,
    { method },
  );
}

/** vscode-jsonrpc's own codes for a connection that went away under a call. */
const CONNECTION_FAILURE_NUMBERS = new Set([-32099, -32097, -32096]);

// Turns whatever a call rejected with into a typed error. The daemon puts
// the registry string in data.code; a peer that only sends a number still
// maps through the registry, and anything else is an internal error.
export function toSnapshotError(
  error: unknown,
  context: { socket: string; method: string },
): SnapshotError {
  if (error instanceof SnapshotError) return error;

  if (error instanceof ResponseError) {
    const data: unknown = error.data;
    const details = isRecord(data) ? data : {};
    const wireCode = details.code;

    if (isErrorCode(wireCode)) {
      return new SnapshotError(wireCode, error.message, details);
    }
    if (CONNECTION_FAILURE_NUMBERS.has(error.code)) {
      return createConnectionLostError(context);
    }
    const code = errorCodeForNumber(error.code) ?? 'INTERNAL_ERROR';
    return new SnapshotError(code, error.message, {
      ...details,
      number: error.code,
    });
  }

  const message = error instanceof Error ? error.message : String(error);
  return new SnapshotError('INTERNAL_ERROR', message, {}, { cause: error });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One live connection to the daemon: a Unix socket with a JSON-RPC message
 * connection on top. The client opens a new link when the old one breaks.
 */
import { lstatSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import {
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  FramedMessageReader,
  FramedMessageWriter,
} from '../../protocol/framing/index.js';
import {
  MAX_SOCKET_PATH_BYTES,
  createPathTooLongError,
  createUnreachableError,
} from './errors.js';

export interface Link {
  readonly connection: MessageConnection;
  /** Whether the socket has closed; a closed link is never reused. */
  readonly isClosed: () => boolean;
  /** Calls `listener` once when the socket closes (at once if it has). */
  readonly onClose: (listener: () => void) => () => void;
  readonly close: () => void;
}

// Connects within the deadline, or fails with DAEMON_UNREACHABLE naming
// the socket. A Unix socket either connects or fails at once, unless the
// daemon's accept backlog is full; the deadline covers that case.
export async function openLink(options: {
  socket: string;
  timeoutMs: number;
}): Promise<Link> {
  const { socket: path, timeoutMs } = options;

  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw createPathTooLongError(path);
  }

  const socket = await connectSocket(path, timeoutMs);
  return createLink(socket);
}

function connectSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });

    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        createUnreachableError(path, {
          name: 'Error',
          code: 'ETIMEDOUT',
          message: `it did not accept a connection within ${timeoutMs} ms`,
        }),
      );
    }, timeoutMs);

    const onError = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(createUnreachableError(path, explainRefusal(path, error)));
    };

    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

// Linux refuses a connection to a regular file the same way as to a stale
// socket; the two call for different fixes, so tell them apart.
function explainRefusal(
  path: string,
  error: NodeJS.ErrnoException,
): NodeJS.ErrnoException {
  if (error.code !== 'ECONNREFUSED') return error;

  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats || stats.isSocket()) return error;
  return Object.assign(new Error(error.message), { code: 'ENOTSOCK' });
}

// The client trusts its daemon's replies more than the daemon trusts
// requests: a listing of a large store may pass the daemon's request limit.
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

// Newline-delimited JSON, the framing a person reads in a socat exchange.
function createLink(socket: Socket): Link {
  const connection = createMessageConnection(
    new FramedMessageReader(socket, {
      framing: 'ndjson',
      maxMessageBytes: MAX_REPLY_BYTES,
    }),
    new FramedMessageWriter(socket, 'ndjson'),
  );
  const listeners = new Set<() => void>();
  let closed = false;

  // Errors surface as the close that follows them; without a listener an
  // 'error' event would crash the process.
  socket.on('error', () => {});
  socket.once('close', () => {
    closed = true;
    for (const listener of listeners) listener();
    listeners.clear();
    connection.dispose();
  });
  connection.listen();

  return {
    connection,
    isClosed: () => closed,
    onClose(listener) {
      if (closed) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // A last write (a cancellation) is flushed before the socket goes;
    // unref lets the process exit meanwhile.
    close() {
      socket.end(() => socket.destroy());
      socket.unref();
    },
  };
}

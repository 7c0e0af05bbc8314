/**
 * The daemon as a library: `startDaemon` binds the socket, serves every
 * connection, expires snapshots on a timer, and `close` stops it cleanly.
 * The `serve` command is a thin shell around it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import type { RetentionPolicy, SnapshotStore } from '../store/api.js';
import { ClientConnection } from './connection.js';
import { DaemonStartError } from './daemon-start-error.js';
import { Dispatcher } from './dispatcher.js';
import { DEFAULT_LIMITS, type DaemonLimits } from './limits.js';
import type { Logger } from './logger.js';
import { readPackageVersion } from './package-version.js';
import { rejectConnection } from './reject-connection.js';
import { startRetentionTimer, type RetentionTimer } from './retention-timer.js';
import {
  checkSocketPath,
  clearStaleSocket,
  createSocketFolder,
  listenPrivately,
  removeSocketIfOurs,
} from './socket-file.js';
import { acquireSocketLock, type SocketLock } from './socket-lock.js';

export interface DaemonOptions {
  store: SnapshotStore;
  socket: string;
  log: Logger;
  limits?: Partial<DaemonLimits>;
  /** Background expiry; none when omitted. */
  retention?: { intervalMs: number; policy: RetentionPolicy };
}

export interface Daemon {
  /** The absolute socket path it listens on. */
  readonly socket: string;
  /** Stops accepting, lets requests in flight finish, removes the socket. */
  close(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const socket = resolve(options.socket);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { store, log } = options;
  checkSocketPath(socket);
  await explainFailure(
    createSocketFolder(socket),
    'create the folder of',
    socket,
  );

  const lock = await acquireSocketLock(socket);
  try {
    await clearStaleSocket(socket, log);
    await explainFailure(store.open(), 'open the store at', store.baseDir);
  } catch (error) {
    await lock.release();
    throw error;
  }

  const dispatcher = new Dispatcher({
    store,
    log,
    limits,
    daemon: { version: readPackageVersion(), socket, startedAt: Date.now() },
  });
  const connections = new Map<Socket, ClientConnection>();
  let nextConnectionId = 1;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const conn = nextConnectionId++;
    const connectionLog = log.child({ conn });
    if (connections.size >= limits.maxConnections) {
      connectionLog.warn(
        { limit: limits.maxConnections },
        'connection.refused',
      );
      return rejectConnection(client, limits.maxConnections);
    }

    connectionLog.debug('connection.opened');
    connections.set(
      client,
      new ClientConnection({
        socket: client,
        log: connectionLog,
        limits,
        dispatcher,
      }),
    );
    client.once('close', () => {
      connections.delete(client);
      connectionLog.debug('connection.closed');
    });
  });

  let inode: number;
  try {
    inode = await explainFailure(
      listenPrivately(server, socket),
      'listen on',
      socket,
    );
  } catch (error) {
    await store.close();
    await lock.release();
    throw error;
  }

  // A failed accept (out of file descriptors, say) costs that one client,
  // never the daemon.
  server.on('error', (err) => log.error({ err }, 'daemon.accept_failed'));
  const retention = options.retention
    ? startRetentionTimer({ store, log, ...options.retention })
    : undefined;
  log.info({ socket, dir: store.baseDir }, 'daemon.listening');

  let closing: Promise<void> | undefined;
  return {
    socket,
    close: () =>
      (closing ??= stopDaemon({
        server,
        connections,
        dispatcher,
        retention,
        store,
        lock,
        socket,
        inode,
        log,
        graceMs: limits.shutdownGraceMs,
      })),
  };
}

// Turns a system error at start into a message that names what failed.
async function explainFailure<T>(
  work: Promise<T>,
  action: string,
  path: string,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof DaemonStartError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DaemonStartError(`cannot ${action} ${path}: ${reason}`, {
      cause: error,
    });
  }
}

interface StopOptions {
  server: Server;
  connections: Map<Socket, ClientConnection>;
  dispatcher: Dispatcher;
  retention: RetentionTimer | undefined;
  store: SnapshotStore;
  lock: SocketLock;
  socket: string;
  inode: number;
  log: Logger;
  graceMs: number;
}

async function stopDaemon(options: StopOptions): Promise<void> {
  const { server, connections, dispatcher, log } = options;
  log.info({ running: dispatcher.requestsRunning }, 'daemon.stopping');
  dispatcher.stopAccepting();
  const serverClosed = new Promise<void>((done) => server.close(() => done()));

  const finished = await dispatcher.waitForIdle(options.graceMs);
  if (!finished) {
    log.warn({ running: dispatcher.requestsRunning }, 'daemon.grace_expired');
  }

  for (const connection of connections.values()) connection.finish();
  await waitForSockets([...connections.keys()], 1000);
  await serverClosed;
  await options.retention?.stop();
  await options.store.close();
  await removeSocketIfOurs(options.socket, options.inode);
  await options.lock.release();
  log.info('daemon.stopped');
}

// Gives each socket a moment to flush its last replies, then cuts it.
async function waitForSockets(
  sockets: Socket[],
  timeoutMs: number,
): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((done) => {
          if (socket.destroyed) return done();
          const timer = setTimeout(() => {
            socket.destroy();
            done();
          }, timeoutMs);
          socket.once('close', () => {
            clearTimeout(timer);
            done();
          });
        }),
    ),
  );
}

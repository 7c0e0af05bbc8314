/**
 * A small real JSON-RPC peer on a temp Unix socket, for client tests that
 * need a daemon to misbehave on purpose: stay silent, drop a connection
 * mid-request, speak another protocol version. Real socket, real framing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMessageConnection,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  FramedMessageReader,
  FramedMessageWriter,
} from '../../protocol/framing/index.js';
import { ERRORS } from '../../protocol/index.js';

/** Params as the peer received them; tests read the fields they sent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyParams = any;

export interface PeerRequest {
  method: string;
  params: AnyParams;
  token: CancellationToken;
  connection: MessageConnection;
  /** Destroys this connection without a reply. */
  drop: () => void;
  /** How many times this method has been received, this one included. */
  count: number;
}

export type PeerHandler = (request: PeerRequest) => unknown;

export interface RpcPeer {
  socket: string;
  /** Every request received, in order. */
  received: { method: string; params: AnyParams }[];
  /** Every notification received, in order. */
  notifications: { method: string; params: AnyParams }[];
  countOf(method: string): number;
  /** Connections open right now. */
  connections(): number;
  close(): Promise<void>;
}

export interface RpcPeerOptions {
  handlers?: Record<string, PeerHandler>;
  /** Accept connections, read what comes, and never answer. */
  silent?: boolean;
  protocolVersion?: string;
}

export async function startRpcPeer(
  options: RpcPeerOptions = {},
): Promise<RpcPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'ms-peer-'));
  const socket = join(dir, 's.sock');
  const received: RpcPeer['received'] = [];
  const notifications: RpcPeer['notifications'] = [];
  const sockets = new Set<Socket>();
  const countOf = (method: string) =>
    received.filter((request) => request.method === method).length;

  const server: Server = createServer((conn) => {
    sockets.add(conn);
    conn.on('close', () => sockets.delete(conn));
    conn.on('error', () => {});
    if (options.silent) {
      conn.resume();
      return;
    }

    const connection = createMessageConnection(
      new FramedMessageReader(conn, { framing: 'detect' }),
      new FramedMessageWriter(conn, 'ndjson'),
    );
    connection.onRequest((method, params, token) => {
      received.push({ method, params });
      const handler = options.handlers?.[method] ?? defaultHandler(options);
      return handler({
        method,
        params,
        token,
        connection,
        drop: () => conn.destroy(),
        count: countOf(method),
      });
    });
    connection.onNotification((method, params) => {
      notifications.push({ method, params });
    });
    connection.listen();
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));

  return {
    socket,
    received,
    notifications,
    countOf,
    connections: () => sockets.size,
    async close() {
      for (const conn of sockets) conn.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function defaultHandler(options: RpcPeerOptions): PeerHandler {
  return ({ method }) => {
    if (method === 'daemon.health') return health(options.protocolVersion);
    throw new ResponseError(
      ERRORS.METHOD_NOT_FOUND.number,
      `no method ${method}`,
      { code: 'METHOD_NOT_FOUND', method },
    );
  };
}

export function health(protocolVersion = '1.0') {
  return {
    status: 'ok',
    version: '0.0.0-peer',
    protocol_version: protocolVersion,
    pid: process.pid,
    uptime_seconds: 1,
    snapshot_dir: '/nowhere',
    socket: '/nowhere.sock',
  };
}

/** Resolves when `token` is cancelled. */
export function waitForCancel(token: CancellationToken): Promise<void> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) return resolve();
    token.onCancellationRequested(() => resolve());
  });
}

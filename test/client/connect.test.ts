import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotError } from '../../protocol/index.js';
import { connect } from '../../src/client/index.js';
import { startRpcPeer, type RpcPeer } from '../support/rpc-peer.js';
import { makeStaleSocket } from '../support/stale-socket.js';

let dir: string;
const peers: RpcPeer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ms-client-'));
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
  await rm(dir, { recursive: true, force: true });
});

async function peer(options: Parameters<typeof startRpcPeer>[0] = {}) {
  const started = await startRpcPeer(options);
  peers.push(started);
  return started;
}

async function connectError(
  options: Parameters<typeof connect>[0],
): Promise<SnapshotError> {
  const error: unknown = await connect(options).then(
    (client) => {
      client.close();
      throw new Error('connected');
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SnapshotError);
  return error as SnapshotError;
}

describe('connect', () => {
  it('connects, and keeps the health the daemon answered with', async () => {
    const { socket } = await peer();
    const client = await connect({ socket });

    expect(client.daemonInfo.status).toBe('ok');
    expect(client.daemonInfo.protocol_version).toBe('1.0');
    expect(client.socket).toBe(socket);
    client.close();
  });

  it.each([
    ['no socket file', 'the socket file does not exist', async () => {}],
    [
      'a stale socket file',
      'nothing listens on it',
      (path: string) => makeStaleSocket(path),
    ],
    [
      'a regular file',
      'the path is not a socket',
      (path: string) => writeFile(path, 'not a socket'),
    ],
  ])(
    'tells that no daemon is there when it finds %s',
    async (_, reason, prepare) => {
      const socket = join(dir, 's.sock');
      await prepare(socket);

      const error = await connectError({ socket });

      expect(error.code).toBe('DAEMON_UNREACHABLE');
      expect(error.message).toContain(socket);
      expect(error.message).toContain(reason);
      expect(error.message).toContain('marianne-snapshot serve');
    },
  );

  it('refuses a socket path longer than a Unix socket can hold', async () => {
    const socket = join(dir, 'x'.repeat(120), 's.sock');

    const error = await connectError({ socket });

    expect(error.code).toBe('DAEMON_UNREACHABLE');
    expect(error.message).toMatch(/longer than the 107/);
  });

  it('gives up on a daemon that accepts but never answers', async () => {
    const silent = await peer({ silent: true });

    const error = await connectError({ socket: silent.socket, timeoutMs: 300 });

    expect(error.code).toBe('DAEMON_TIMEOUT');
    expect(error.message).toContain('daemon.health');
    expect(error.data.timeout_ms).toBe(300);
    await expect.poll(() => silent.connections(), { timeout: 10_000 }).toBe(0);
  });

  it('warns once when the daemon speaks another major version', async () => {
    const { socket } = await peer({ protocolVersion: '2.3' });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const mismatches: unknown[] = [];

    const client = await connect({
      socket,
      logger: pino(sink),
      onProtocolMismatch: (versions) => mismatches.push(versions),
    });
    await client.daemon.health();
    await client.daemon.health();
    client.close();

    expect(mismatches).toEqual([{ daemon: '2.3', client: '1.0' }]);
    const events = lines.map((line): unknown => JSON.parse(line));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      msg: 'client.protocol_mismatch',
      daemon_protocol: '2.3',
      client_protocol: '1.0',
    });
  });

  it('says nothing about a daemon of another minor version', async () => {
    const { socket } = await peer({ protocolVersion: '1.7' });
    const mismatches: unknown[] = [];

    const client = await connect({
      socket,
      onProtocolMismatch: (versions) => mismatches.push(versions),
    });
    client.close();

    expect(mismatches).toEqual([]);
  });
});

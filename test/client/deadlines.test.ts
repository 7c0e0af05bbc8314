import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotError, type MethodName } from '../../protocol/index.js';
import { connect } from '../../src/client/index.js';
import { isLongCall } from '../../src/client/method-policy.js';
import { startRpcPeer, type RpcPeer } from '../support/rpc-peer.js';

const peers: RpcPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('deadlines', () => {
  it.each([
    ['daemon.health', false],
    ['snapshot.list', false],
    ['snapshot.get', false],
    ['snapshot.diff', false],
    ['snapshot.pin', false],
    ['snapshot.verify', true],
    ['snapshot.capture', true],
    ['snapshot.cleanup', true],
    ['snapshot.restore', true],
    ['snapshot.delete', true],
  ] as [MethodName, boolean][])('%s gets the long deadline: %s', (m, long) => {
    expect(isLongCall(m)).toBe(long);
  });

  it('waits longer for a write than for a read', async () => {
    const peer = await startRpcPeer({
      handlers: {
        'snapshot.restore': async () => {
          await pause(400);
          return { restored: 1, target: '/t' };
        },
        'snapshot.jobs': async () => {
          await pause(400);
          return { jobs: [] };
        },
      },
    });
    peers.push(peer);
    const client = await connect({
      socket: peer.socket,
      callTimeoutMs: 100,
      longCallTimeoutMs: 30_000,
    });

    const restored = await client.snapshot.restore({
      job_id: 'job-1',
      id: '01A',
      target: '/t',
    });
    const read = await client.snapshot.jobs().catch((e: unknown) => e);
    const patient = await client.snapshot.jobs({}, { timeoutMs: 30_000 });
    client.close();

    expect(restored).toEqual({ restored: 1, target: '/t' });
    expect(read).toBeInstanceOf(SnapshotError);
    expect((read as SnapshotError).code).toBe('DAEMON_TIMEOUT');
    expect(patient).toEqual({ jobs: [] });
  });
});

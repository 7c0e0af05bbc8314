import { ResponseError } from 'vscode-jsonrpc/node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ERRORS,
  SnapshotError,
  type ProgressValue,
} from '../../protocol/index.js';
import { connect, type SnapshotClient } from '../../src/client/index.js';
import {
  startRpcPeer,
  waitForCancel,
  type RpcPeer,
  type RpcPeerOptions,
} from '../support/rpc-peer.js';

const opened: { peer: RpcPeer; client: SnapshotClient }[] = [];

afterEach(async () => {
  for (const { peer, client } of opened.splice(0)) {
    client.close();
    await peer.close();
  }
});

async function open(options: RpcPeerOptions, connectOptions = {}) {
  const peer = await startRpcPeer(options);
  const client = await connect({ socket: peer.socket, ...connectOptions });
  opened.push({ peer, client });
  return { peer, client };
}

async function rejection(promise: Promise<unknown>): Promise<SnapshotError> {
  const error: unknown = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SnapshotError);
  return error as SnapshotError;
}

const ref = { job_id: 'job-1', id: '01ABC' };
const capture = { job_id: 'job-1', workspace: '/tmp/ws' };
const snapshot = {
  job_id: 'job-1',
  id: '01ABC',
  timestamp: '1700000000',
  created_at: '2023-11-14T22:13:20.000Z',
  path: '/store/job-1/01ABC',
  files: 2,
  bytes: 10,
};

describe('a call', () => {
  it('sends params by name and returns the typed result', async () => {
    const { peer, client } = await open({
      handlers: { 'snapshot.list': () => ({ snapshots: [snapshot] }) },
    });

    const result = await client.snapshot.list({ job_id: 'job-1', limit: 5 });

    expect(result.snapshots[0]?.id).toBe('01ABC');
    expect(peer.received.at(-1)).toEqual({
      method: 'snapshot.list',
      params: { job_id: 'job-1', limit: 5 },
    });
  });

  it.each([
    [-32010, { code: 'SNAPSHOT_NOT_FOUND' }, 'SNAPSHOT_NOT_FOUND'],
    [-32011, { code: 'SNAPSHOT_PINNED' }, 'SNAPSHOT_PINNED'],
    [-32602, { code: 'INVALID_PARAMS', field: 'job_id' }, 'INVALID_PARAMS'],
    [-32003, { code: 'SHUTTING_DOWN' }, 'SHUTTING_DOWN'],
    [-32010, undefined, 'SNAPSHOT_NOT_FOUND'],
    [-1, undefined, 'INTERNAL_ERROR'],
  ])(
    'turns wire error %i with data %j into code %s',
    async (number, data, code) => {
      const { client } = await open({
        handlers: {
          'snapshot.get': () => {
            throw new ResponseError(number, 'it went wrong', data);
          },
        },
      });

      const error = await rejection(client.snapshot.get(ref));

      expect(error.code).toBe(code);
      expect(error.message).toBe('it went wrong');
      expect(error.number).toBe(ERRORS[error.code].number);
      if (data && 'field' in data) expect(error.data.field).toBe(data.field);
    },
  );

  it('refuses a reply that does not match the result schema', async () => {
    const { client } = await open({
      handlers: { 'snapshot.list': () => ({ snapshots: [{ id: 7 }] }) },
    });

    const error = await rejection(client.snapshot.list({ job_id: 'j' }));

    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).toMatch(/snapshot\.list .*snapshots\.0/);
  });

  it('fails at its deadline and tells the daemon to stop', async () => {
    let cancelled = false;
    const { client } = await open({
      handlers: {
        'snapshot.jobs': async ({ token }) => {
          await waitForCancel(token);
          cancelled = true;
          return { jobs: [] };
        },
      },
    });

    const error = await rejection(client.snapshot.jobs({}, { timeoutMs: 200 }));

    expect(error.code).toBe('DAEMON_TIMEOUT');
    expect(error.data).toMatchObject({
      method: 'snapshot.jobs',
      timeout_ms: 200,
    });
    await expect.poll(() => cancelled, { timeout: 10_000 }).toBe(true);
  });

  it('sends a read once more after the connection broke', async () => {
    const { peer, client } = await open({
      handlers: {
        'snapshot.list': ({ drop, count }) => {
          if (count === 1) return drop();
          return { snapshots: [] };
        },
      },
    });

    const result = await client.snapshot.list({ job_id: 'job-1' });

    expect(result).toEqual({ snapshots: [] });
    expect(peer.countOf('snapshot.list')).toBe(2);
  });

  it('never sends a capture twice after the connection broke', async () => {
    const { peer, client } = await open({
      handlers: { 'snapshot.capture': ({ drop }) => drop() },
    });

    const error = await rejection(client.snapshot.capture(capture));

    expect(error.code).toBe('CONNECTION_LOST');
    expect(error.message).toContain('snapshot.capture');
    expect(peer.countOf('snapshot.capture')).toBe(1);
  });

  it('connects again for the next call after a break', async () => {
    const { peer, client } = await open({
      handlers: {
        'snapshot.delete': ({ drop }) => drop(),
        'snapshot.jobs': () => ({ jobs: [] }),
      },
    });

    await rejection(client.snapshot.delete(ref));
    const result = await client.snapshot.jobs();

    expect(result).toEqual({ jobs: [] });
    expect(peer.countOf('snapshot.jobs')).toBe(1);
  });

  it('fails every waiting call with CONNECTION_LOST on close', async () => {
    const { client } = await open({
      handlers: { 'snapshot.jobs': () => new Promise(() => {}) },
    });

    const pending = rejection(client.snapshot.jobs());
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    const error = await pending;

    expect(error.code).toBe('CONNECTION_LOST');
    expect((await rejection(client.snapshot.jobs())).code).toBe(
      'CONNECTION_LOST',
    );
  });
});

describe('progress', () => {
  it('routes the reports for its token to the call that asked', async () => {
    const { client } = await open({
      handlers: {
        'snapshot.verify': async ({ params, connection }) => {
          const token: string = params.progress_token;
          for (const done of [1, 2]) {
            await connection.sendNotification('$/progress', {
              token,
              value: { stage: 'verify', done, total: 2 },
            });
          }
          await connection.sendNotification('$/progress', {
            token: `${token}-other`,
            value: { stage: 'verify', done: 99, total: 2 },
          });
          await connection.sendNotification('$/progress', {
            token,
            value: { stage: 'verify', done: 'many' },
          });
          return { ok: true, checked: 2, problems: [] };
        },
      },
    });
    const reports: ProgressValue[] = [];

    const result = await client.snapshot.verify(
      {},
      { onProgress: (value) => reports.push(value) },
    );

    expect(result.checked).toBe(2);
    expect(reports.map((report) => report.done)).toEqual([1, 2]);
  });

  it('sends no token when nobody listens', async () => {
    const { peer, client } = await open({
      handlers: {
        'snapshot.verify': () => ({ ok: true, checked: 0, problems: [] }),
      },
    });

    await client.snapshot.verify({ job_id: 'job-1' });

    expect(peer.received.at(-1)?.params).toEqual({ job_id: 'job-1' });
  });
});

describe('cancellation', () => {
  it('sends $/cancelRequest and reports REQUEST_CANCELLED', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { client } = await open({
      handlers: {
        'snapshot.capture': async ({ token }) => {
          started();
          await waitForCancel(token);
          throw new ResponseError(-32800, 'cancelled', {
            code: 'REQUEST_CANCELLED',
          });
        },
      },
    });
    const controller = new AbortController();

    const pending = rejection(
      client.snapshot.capture(capture, { signal: controller.signal }),
    );
    await running;
    controller.abort();
    const error = await pending;

    expect(error.code).toBe('REQUEST_CANCELLED');
  });

  it('sends nothing when the signal was aborted already', async () => {
    const { peer, client } = await open({});

    const error = await rejection(
      client.snapshot.capture(capture, { signal: AbortSignal.abort() }),
    );

    expect(error.code).toBe('REQUEST_CANCELLED');
    expect(peer.countOf('snapshot.capture')).toBe(0);
  });
});

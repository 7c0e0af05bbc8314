import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  METHODS,
  SnapshotError,
  type ProgressValue,
} from '../../protocol/index.js';
import { connect, type SnapshotClient } from '../../src/client/index.js';
import { startCliFixture, type CliFixture } from '../support/cli-fixture.js';

let fixture: CliFixture;
let client: SnapshotClient;

beforeAll(async () => {
  fixture = await startCliFixture();
  client = await connect({ socket: fixture.daemon.socket });
});

afterAll(async () => {
  client?.close();
  await fixture?.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<SnapshotError> {
  const error: unknown = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SnapshotError);
  return error as SnapshotError;
}

describe('the client against the real daemon', () => {
  it('captures with progress, then reads the snapshot back', async () => {
    const workspace = await fixture.makeWorkspace();
    const reports: ProgressValue[] = [];

    const captured = await client.snapshot.capture(
      { job_id: 'lib-job', workspace },
      { onProgress: (value) => reports.push(value) },
    );
    const { snapshots } = await client.snapshot.list({ job_id: 'lib-job' });
    const detail = await client.snapshot.get({
      job_id: 'lib-job',
      id: snapshots[0]!.id,
    });

    expect(captured.snapshot?.files).toBe(2);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.at(-1)).toMatchObject({ done: 2 });
    expect(snapshots.map((s) => s.id)).toEqual([captured.snapshot?.id]);
    expect(detail.artifacts.map((a) => a.name).sort()).toEqual([
      'marianne.log',
      'state.json',
    ]);
  });

  it('turns a missing snapshot into SNAPSHOT_NOT_FOUND', async () => {
    const error = await rejection(
      client.snapshot.get({ job_id: 'lib-job', id: '01NOSUCH' }),
    );

    expect(error.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(error.number).toBe(-32010);
  });

  it('turns a refused param into INVALID_PARAMS naming it', async () => {
    const error = await rejection(
      client.call('snapshot.list', { job_id: '../escape' }),
    );

    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.data.field).toBe('job_id');
  });

  it('gets an OpenRPC document naming every method', async () => {
    const document = await client.rpc.discover();

    const names = (document.methods as { name: string }[]).map((m) => m.name);
    expect(names.sort()).toEqual(Object.keys(METHODS).sort());
  });
});

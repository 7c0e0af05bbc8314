import { describe, expect, it } from 'vitest';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { ProgressValue } from '../../protocol/index.js';
import { SnapshotError } from '../../protocol/index.js';
import { Dispatcher } from '../../src/server/dispatcher.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { ProgressReporter } from '../../src/server/progress-reporter.js';
import type { SnapshotStore } from '../../src/store/api.js';
import { createLogLines } from '../support/log-lines.js';

// A store that fails on purpose: the only way to see how the daemon
// treats a fault it did not foresee.
function failingStore(error: Error): SnapshotStore {
  const fail = (): Promise<never> => Promise.reject(error);
  return {
    baseDir: '/nowhere',
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    capture: fail,
    captureSnapshot: fail,
    listSnapshots: fail,
    listJobs: fail,
    getSnapshot: fail,
    cleanup: fail,
    expire: fail,
    deleteSnapshot: fail,
    verify: fail,
    restore: fail,
    diff: fail,
    setPinned: fail,
  };
}

async function dispatch(error: Error) {
  const logs = createLogLines();
  const dispatcher = new Dispatcher({
    store: failingStore(error),
    log: logs.logger,
    limits: DEFAULT_LIMITS,
    daemon: { version: '1.0.0', socket: '/s.sock', startedAt: Date.now() },
  });
  const token = new CancellationTokenSource().token;
  const scope = {
    log: logs.logger,
    id: 42,
    sendNotification: () => Promise.resolve(),
  };
  const thrown = await dispatcher
    .handle('snapshot.jobs', {}, token, scope)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { thrown: thrown as ResponseError<{ code: string }>, logs };
}

describe('faults in the daemon', () => {
  it('answers an unforeseen exception with -32603 and keeps its detail in the log', async () => {
    const { thrown, logs } = await dispatch(
      new Error('EACCES /secret/path/inside'),
    );

    expect(thrown).toBeInstanceOf(ResponseError);
    expect(thrown.code).toBe(-32603);
    expect(thrown.data).toEqual({ code: 'INTERNAL_ERROR' });
    expect(thrown.message).not.toMatch(/secret/);
    const [event] = logs.events('request.failed');
    expect(event).toMatchObject({ level: 50, method: 'snapshot.jobs', id: 42 });
    expect(JSON.stringify(event!.err)).toMatch(/secret/);
  });

  it('passes a store error on with its own code, number and data', async () => {
    const { thrown, logs } = await dispatch(
      new SnapshotError('SNAPSHOT_NOT_FOUND', 'no snapshot x of job y'),
    );

    expect(thrown.code).toBe(-32010);
    expect(thrown.message).toBe('no snapshot x of job y');
    expect(thrown.data).toEqual({ code: 'SNAPSHOT_NOT_FOUND' });
    expect(logs.events('request.refused')[0]?.level).toBe(30);
  });
});

describe('progress', () => {
  it('sends the first value at once, holds back a burst, and sends the last', () => {
    const sent: ProgressValue[] = [];
    const reporter = new ProgressReporter((value) => sent.push(value));

    for (let done = 1; done <= 1000; done++) {
      reporter.report({ stage: 'capture', done, total: 1000 });
    }
    reporter.flush();

    expect(sent.map((value) => value.done)).toEqual([1, 1000]);
  });
});

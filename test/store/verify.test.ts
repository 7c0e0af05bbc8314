import { mkdir, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../protocol/index.js';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import type { LogLines } from '../support/log-lines.js';
import {
  useFolderStore,
  writeWorkspace,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

let folders: SnapshotFolders;
let log: LogLines;
let store: SnapshotManager;
let workspace: string;

useFolderStore((fixture) => ({ folders, log, store } = fixture));

beforeEach(async () => {
  workspace = await writeWorkspace(folders, 'ws', {
    'state.json': '{"step":3}',
    'marianne.log': 'line\n'.repeat(1000),
    'config.yaml': 'a: 1\n',
  });
});

async function captureOne(jobId = 'job'): Promise<Snapshot> {
  const snapshot = await store.capture(jobId, workspace);
  if (!snapshot) throw new Error('capture took nothing');
  return snapshot;
}

describe('verify', () => {
  it('passes a snapshot as captured, with its own files ignored', async () => {
    const snapshot = await captureOne();
    await store.setPinned('job', snapshot.id, true);

    const result = await store.verify({ jobId: 'job', id: snapshot.id });

    expect(result).toEqual({ ok: true, checked: 1, problems: [] });
  });

  it('finds missing, changed and unexpected files', async () => {
    const snapshot = await captureOne();
    await unlink(join(snapshot.path, 'state.json'));
    await writeFile(join(snapshot.path, 'config.yaml'), 'a: 2\n');
    await writeFile(join(snapshot.path, 'planted.json'), '{}');
    await mkdir(join(snapshot.path, '.marianne-snapshot', 'extra'));
    await writeFile(
      join(snapshot.path, '.marianne-snapshot', 'extra', 'x'),
      '',
    );

    const result = await store.verify({ jobId: 'job', id: snapshot.id });

    const ref = { job_id: 'job', id: snapshot.id };
    expect(result).toEqual({
      ok: false,
      checked: 1,
      problems: [
        { ...ref, name: '.marianne-snapshot/extra/x', problem: 'unexpected' },
        { ...ref, name: 'config.yaml', problem: 'changed' },
        { ...ref, name: 'planted.json', problem: 'unexpected' },
        { ...ref, name: 'state.json', problem: 'missing' },
      ],
    });
  });

  it('finds a file changed in size, and one changed in content only', async () => {
    const snapshot = await captureOne();
    await truncate(join(snapshot.path, 'marianne.log'), 10);
    await writeFile(join(snapshot.path, 'state.json'), '{"step":4}');

    const result = await store.verify({ jobId: 'job', id: snapshot.id });

    expect(result.problems.map((p) => [p.name, p.problem])).toEqual([
      ['marianne.log', 'changed'],
      ['state.json', 'changed'],
    ]);
  });

  it('reports an original-layout snapshot as having no manifest', async () => {
    const original = await folders.writeOriginal('legacy', 1_700_000_000);

    const result = await store.verify({ jobId: 'legacy' });

    expect(result).toEqual({
      ok: false,
      checked: 1,
      problems: [
        {
          job_id: 'legacy',
          id: original.id,
          name: null,
          problem: 'no_manifest',
        },
      ],
    });
  });

  it('checks a job or the whole store, with progress', async () => {
    await captureOne('a');
    await captureOne('a');
    await captureOne('b');
    const progress: unknown[] = [];

    const job = await store.verify({ jobId: 'a' });
    const all = await store.verify({}, { onProgress: (p) => progress.push(p) });

    expect(job.checked).toBe(2);
    expect(all).toMatchObject({ ok: true, checked: 3 });
    expect(progress.at(-1)).toEqual({ stage: 'verify', done: 3, total: 3 });
    expect(log.events('snapshot.verify')).toHaveLength(2);
  });

  it('stops with REQUEST_CANCELLED when cancelled', async () => {
    for (let i = 0; i < 12; i++) await captureOne();
    const controller = new AbortController();
    let seen = 0;

    const outcome = store.verify(
      { jobId: 'job' },
      {
        signal: controller.signal,
        onProgress: () => {
          seen += 1;
          controller.abort();
        },
      },
    );

    await expect(outcome).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    // Snapshots already being read may finish; no new one starts.
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(4);
  });

  it.each([
    [{ id: '01J00000000000000000000000' }, 'INVALID_PARAMS'],
    [{ jobId: 'job', id: '01J00000000000000000000000' }, 'SNAPSHOT_NOT_FOUND'],
    [{ jobId: '.hidden' }, 'INVALID_PARAMS'],
  ])('refuses the scope %j with %s', async (scope, code) => {
    await expect(store.verify(scope)).rejects.toMatchObject({ code });
  });
});

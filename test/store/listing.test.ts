import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBackend } from '../../src/store/fs-backend.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  useTempStore,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

let temp: TempRoot;
let store: SnapshotManager;

useTempStore((fixture) => ({ temp, store } = fixture));

/** A snapshot folder as the original manager left it: no manifest. */
async function writeOriginal(
  jobId: string,
  seconds: number,
  files: Record<string, string>,
): Promise<string> {
  const dir = join(temp.storeDir, jobId, String(seconds));
  await writeFiles(dir, files);
  return dir;
}

describe('listing a job', () => {
  it('lists newest first and honours the limit', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await store.capture('job', temp.workspace));

    const all = await store.listSnapshots('job');
    const page = await store.listSnapshots('job', { limit: 2 });

    expect(all.map((s) => s.id)).toEqual(made.map((s) => s!.id).reverse());
    expect(page).toEqual(all.slice(0, 2));
  });

  it.each([0, -1, 1.5, Number.NaN])(
    'refuses the limit %s with INVALID_PARAMS',
    async (limit) => {
      await expect(store.listSnapshots('job', { limit })).rejects.toMatchObject(
        { code: 'INVALID_PARAMS', data: { field: 'limit' } },
      );
    },
  );

  it('returns nothing for a job that has no snapshot', async () => {
    expect(await store.listSnapshots('nobody')).toEqual([]);
  });

  it('ignores folders that are not snapshots', async () => {
    await writeFiles(join(temp.storeDir, 'job'), {
      'notes/a.json': '{}',
      'stray.json': '{}',
    });

    expect(await store.listSnapshots('job')).toEqual([]);
  });
});

describe('the original layout', () => {
  it('lists and shows a folder named by unix seconds, without manifest', async () => {
    const dir = await writeOriginal('job', 1_700_000_000, {
      'state.json': '{"a":1}',
      'marianne.log': 'hello',
      'git-context.json': JSON.stringify({
        head_sha: 'a'.repeat(40),
        branch: 'main',
        status: 'M x',
      }),
      'observer-summary.json': JSON.stringify({
        total_events: 2,
        by_type: { a: 2 },
      }),
    });

    const [listed] = await store.listSnapshots('job');
    const detail = await store.getSnapshot('job', '1700000000');

    expect(listed).toEqual({
      job_id: 'job',
      id: '1700000000',
      timestamp: '1700000000',
      created_at: '2023-11-14T22:13:20.000Z',
      path: dir,
      files: 2,
      bytes: 12,
    });
    expect(detail).toMatchObject({
      workspace: null,
      git: { head_sha: 'a'.repeat(40), branch: 'main', status: 'M x' },
      observer: { total_events: 2, by_type: { a: 2 } },
      failed: [],
      pinned: false,
    });
    expect(detail.artifacts.map((a) => [a.name, a.bytes])).toEqual([
      ['marianne.log', 5],
      ['state.json', 7],
    ]);
    expect(detail.artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts a git-context.json that is not one as a captured file', async () => {
    await writeOriginal('job', 1_700_000_000, { 'git-context.json': '[]' });

    const detail = await store.getSnapshot('job', '1700000000');

    expect(detail.git).toBeNull();
    expect(detail.artifacts.map((a) => a.name)).toEqual(['git-context.json']);
  });

  it('sorts old and new snapshots by time, not as strings', async () => {
    await writeOriginal('job', 999_999_999, { 'a.json': '{}' });
    await writeOriginal('job', 1_000_000_000, { 'a.json': '{}' });
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const fresh = await store.capture('job', temp.workspace);
    await writeOriginal('job', 9, { 'a.json': '{}' });

    const ids = (await store.listSnapshots('job')).map((s) => s.id);

    expect(ids).toEqual([fresh!.id, '1000000000', '999999999', '9']);
  });
});

describe('listing jobs', () => {
  it('sums snapshots and bytes per job and names the newest', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{"x":1}' });
    await store.capture('b-job', temp.workspace);
    const newest = await store.capture('b-job', temp.workspace);
    await writeOriginal('a-job', 1_700_000_000, { 'one.log': '123' });
    await mkdir(join(temp.storeDir, 'empty-job'));
    await writeFile(join(temp.storeDir, 'a-file'), '');
    await symlink(
      join(temp.storeDir, 'b-job'),
      join(temp.storeDir, 'link-job'),
    );

    const jobs = await store.listJobs();

    expect(jobs).toEqual([
      {
        job_id: 'a-job',
        snapshots: 1,
        bytes: 3,
        newest: '2023-11-14T22:13:20.000Z',
      },
      { job_id: 'b-job', snapshots: 2, bytes: 14, newest: newest!.created_at },
    ]);
  });
});

describe('the library shape', () => {
  it('expands ~ in baseDir and resolves it', () => {
    const home = process.env.HOME!;

    expect(new SnapshotManager({ baseDir: '~/snaps' }).baseDir).toBe(
      join(home, 'snaps'),
    );
    expect(new SnapshotManager().baseDir).toBe(
      join(home, '.marianne/snapshots'),
    );
  });

  it('opens lazily and more than once without harm', async () => {
    await store.open();
    await store.open();
    await writeFiles(temp.workspace, { 'state.json': '{}' });

    const fresh = new SnapshotManager({ baseDir: temp.storeDir });
    const snapshot = await fresh.capture('job', temp.workspace);

    expect(await store.listSnapshots('job')).toEqual([snapshot]);
  });
});

// A real filesystem backend whose snapshot folders are really removed
// right after a job's folder is read: the window a concurrent cleanup has.
class RacedBackend extends FsBackend {
  override async listSnapshotIds(jobId: string): Promise<string[]> {
    const ids = await super.listSnapshotIds(jobId);
    for (const id of ids.slice(0, 1)) {
      await rm(this.snapshotLocation(jobId, id), { recursive: true });
    }
    return ids;
  }
}

describe('listing while snapshots are removed', () => {
  it('leaves out a snapshot removed after its folder was listed', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const first = await store.capture('raced', temp.workspace);
    const second = await store.capture('raced', temp.workspace);
    const raced = new SnapshotManager({
      backend: new RacedBackend(temp.storeDir),
    });

    const listed = await raced.listSnapshots('raced');

    expect(listed.map((s) => s.id)).toEqual([second!.id]);
    expect(first!.id < second!.id).toBe(true);
    await raced.close();
  });

  it('counts only what is still there in the job summary', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await store.capture('raced', temp.workspace);
    await store.capture('raced', temp.workspace);
    const raced = new SnapshotManager({
      backend: new RacedBackend(temp.storeDir),
    });

    const jobs = await raced.listJobs();

    expect(jobs.map((job) => [job.job_id, job.snapshots])).toEqual([
      ['raced', 1],
    ]);
    await raced.close();
  });
});

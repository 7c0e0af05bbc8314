import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBackend } from '../../src/store/fs-backend.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  captureLogs,
  useTempStore,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

let temp: TempRoot;
let store: SnapshotManager;

useTempStore((fixture) => ({ temp, store } = fixture));

async function listOrEmpty(path: string): Promise<string[]> {
  return readdir(path).catch(() => []);
}

// The pid of a process that has exited (so is no longer alive).
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('many captures of one job at once', () => {
  it('gives 50 parallel captures unique ids, all listed, in capture order', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}', 'a.log': 'x' });

    const snapshots = await Promise.all(
      Array.from({ length: 50 }, () => store.capture('job', temp.workspace)),
    );

    // Each capture takes its id once its scan is done, so the order the
    // ids were made in is their sorted order (monotonic within a process),
    // not the order of the calls.
    const ids = snapshots.map((s) => s!.id);
    expect(new Set(ids).size).toBe(50);
    const listed = await store.listSnapshots('job');
    expect(listed.map((s) => s.id)).toEqual([...ids].sort().reverse());
    const times = listed.map((s) => Date.parse(s.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await listOrEmpty(join(temp.storeDir, '.staging'))).toEqual([]);
  });

  it('keeps two managers on one store from sharing a folder', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const other = new SnapshotManager({ baseDir: temp.storeDir });

    const both = await Promise.all([
      ...Array.from({ length: 10 }, () => store.capture('job', temp.workspace)),
      ...Array.from({ length: 10 }, () => other.capture('job', temp.workspace)),
    ]);

    expect(new Set(both.map((s) => s!.path)).size).toBe(20);
    expect(await store.listSnapshots('job')).toHaveLength(20);
  });
});

describe('cancellation', () => {
  it('leaves nothing behind when a big capture is aborted half way', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    for (let i = 0; i < 12; i++) {
      await writeFile(join(temp.workspace, `big-${i}.log`), big);
    }
    const controller = new AbortController();

    const capture = store.captureSnapshot('job', temp.workspace, {
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 2) controller.abort();
      },
    });

    await expect(capture).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    expect(await listOrEmpty(join(temp.storeDir, 'job'))).toEqual([]);
    expect(await listOrEmpty(join(temp.storeDir, '.staging'))).toEqual([]);
  });

  it('refuses to start when already cancelled', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });

    const capture = store.capture('job', temp.workspace, {
      signal: AbortSignal.abort(),
    });

    await expect(capture).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
  });

  it('reports progress as files are copied', async () => {
    await writeFiles(temp.workspace, { 'a.json': '{}', 'b.json': '{}' });
    const seen: unknown[] = [];

    await store.capture('job', temp.workspace, {
      onProgress: (p) => seen.push(p),
    });

    expect(seen).toEqual([
      { stage: 'capture', done: 1, total: 2 },
      { stage: 'capture', done: 2, total: 2 },
    ]);
  });
});

describe('leftovers of a crash', () => {
  it('removes staging folders of a dead process on open, keeps live ones', async () => {
    const staging = join(temp.storeDir, '.staging');
    const dead = `${hostname()}.${await deadPid()}.01ARZ3NDEKTSV4RRFFQ69G5FAV`;
    const live = `${hostname()}.${process.ppid}.01ARZ3NDEKTSV4RRFFQ69G5FAW`;
    const foreign = `another-host.1.01ARZ3NDEKTSV4RRFFQ69G5FAX`;
    const mine = `${hostname()}.${process.pid}.01ARZ3NDEKTSV4RRFFQ69G5FAY`;
    for (const name of [dead, live, foreign, mine]) {
      await writeFiles(join(staging, name), { 'state.json': '{}' });
    }
    const { logger, events } = captureLogs();

    await new SnapshotManager({ baseDir: temp.storeDir, logger }).open();

    expect((await readdir(staging)).sort()).toEqual([foreign, live].sort());
    expect(events).toContainEqual(
      expect.objectContaining({ msg: 'snapshot.recovered', removed: 2 }),
    );
  });

  it('never lists what is in staging or in the trash', async () => {
    await writeFiles(join(temp.storeDir, '.staging', 'x.1.ID'), {
      'a.json': '',
    });
    await mkdir(
      join(temp.storeDir, '.trash', 'job~01ARZ3NDEKTSV4RRFFQ69G5FAV'),
      {
        recursive: true,
      },
    );

    expect(await store.listJobs()).toEqual([]);
  });
});

describe('a store that cannot be written', () => {
  it('answers STORE_UNAVAILABLE naming the path and leaves nothing', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await mkdir(temp.storeDir);
    // A file where the staging folder should be: every write there fails.
    await writeFile(join(temp.storeDir, '.staging'), 'not a folder');

    const capture = store.capture('job', temp.workspace);

    await expect(capture).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining(join(temp.storeDir, '.staging')),
    });
    expect(await readdir(temp.storeDir)).toEqual(['.staging']);
  });

  it('answers STORE_UNAVAILABLE when the store folder cannot be made', async () => {
    await writeFile(join(temp.root, 'file'), '');
    const blocked = new SnapshotManager({
      baseDir: join(temp.root, 'file', 'store'),
    });

    await expect(blocked.listJobs()).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      data: { errno: 'ENOTDIR' },
    });
  });
});

describe('capture racing a cleanup of the job folder', () => {
  it('recreates a job folder removed under it and loses no snapshot', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const backend = new FsBackend(temp.storeDir);
    let capturing = true;

    // Removes the job folder whenever it is empty, as a cleanup pass does,
    // far more often than any real cleanup would.
    const sweeper = (async () => {
      let removed = 0;
      while (capturing) {
        if (await backend.removeJobIfEmpty('job')) removed += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return removed;
    })();
    const snapshots = [];
    for (let i = 0; i < 30; i++) {
      snapshots.push(await store.capture('job', temp.workspace));
      const [newest] = await store.listSnapshots('job', { limit: 1 });
      if (newest) await backend.moveToTrash('job', newest.id);
    }
    capturing = false;

    expect(await sweeper).toBeGreaterThan(0);
    expect(snapshots.every((s) => s !== null)).toBe(true);
    expect((await backend.purgeTrash({ batchSize: 100 })).removed).toBe(30);
  });
});

describe('readers during captures', () => {
  it('only ever see complete snapshots', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`f-${i}.json`] = 'x'.repeat(20_000);
    await writeFiles(temp.workspace, files);
    let capturing = true;
    let looks = 0;

    const reader = (async () => {
      while (capturing) {
        for (const listed of await store.listSnapshots('job')) {
          const detail = await store.getSnapshot('job', listed.id);
          const onDisk = await readdir(listed.path);
          expect(detail.artifacts).toHaveLength(40);
          expect(onDisk.filter((n) => n.endsWith('.json'))).toHaveLength(40);
          looks += 1;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 8; i++) await store.capture('job', temp.workspace);
    capturing = false;
    await reader;

    expect(looks).toBeGreaterThan(0);
  });
});

import {
  lstat,
  mkdir,
  readdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../protocol/index.js';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  listenOnSocket,
  useTempStore,
  mkfifo,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

let temp: TempRoot;
let store: SnapshotManager;

useTempStore((fixture) => ({ temp, store } = fixture));

async function stagingLeftovers(): Promise<string[]> {
  return readdir(join(temp.storeDir, '.staging')).catch(() => []);
}

async function artifactNames(id: string): Promise<string[]> {
  const detail = await store.getSnapshot('job', id);
  return detail.artifacts.map((a) => a.name);
}

describe('links and special files in the workspace', () => {
  it('never follows a link to a file outside the workspace', async () => {
    await writeFiles(temp.root, { 'secret.json': '{"secret":true}' });
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await symlink(
      join(temp.root, 'secret.json'),
      join(temp.workspace, 'leak.json'),
    );

    const snapshot = await store.capture('job', temp.workspace);

    expect(await artifactNames(snapshot!.id)).toEqual(['state.json']);
    await expect(lstat(join(snapshot!.path, 'leak.json'))).rejects.toThrow();
  });

  it('never follows a link to a folder', async () => {
    await writeFiles(temp.root, { 'outside/inner.json': '{}' });
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await symlink(join(temp.root, 'outside'), join(temp.workspace, 'dir.json'));

    const snapshot = await store.capture('job', temp.workspace);

    expect(await artifactNames(snapshot!.id)).toEqual(['state.json']);
  });

  it('skips a FIFO without opening it, so the capture does not block', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await mkfifo(join(temp.workspace, 'pipe.log'));

    const snapshot = await store.capture('job', temp.workspace);

    expect(await artifactNames(snapshot!.id)).toEqual(['state.json']);
  });

  it('skips a socket and a folder whose names match a pattern', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await mkdir(join(temp.workspace, 'folder.json'));
    const server = await listenOnSocket(join(temp.workspace, 'sock.log'));

    try {
      const snapshot = await store.capture('job', temp.workspace);
      expect(await artifactNames(snapshot!.id)).toEqual(['state.json']);
    } finally {
      server.close();
    }
  });

  it('refuses a config that is a link, says so in failed, and captures the rest', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await writeFiles(temp.root, { 'real.yaml': 'a: 1' });
    await symlink(join(temp.root, 'real.yaml'), join(temp.root, 'job.yaml'));

    const outcome = await store.captureSnapshot('job', temp.workspace, {
      configPath: join(temp.root, 'job.yaml'),
    });

    expect(outcome).toMatchObject({
      snapshot: { files: 1 },
      failed: [
        { name: 'job.yaml', error: expect.stringMatching(/symbolic link/) },
      ],
    });
  });
});

describe('a store someone tampered with', () => {
  it('refuses to capture through a job folder that is a link', async () => {
    const elsewhere = join(temp.root, 'elsewhere');
    await mkdir(elsewhere);
    await mkdir(temp.storeDir);
    await symlink(elsewhere, join(temp.storeDir, 'job'));
    await writeFiles(temp.workspace, { 'state.json': '{}' });

    const capture = store.capture('job', temp.workspace);

    await expect(capture).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringMatching(/not a folder/),
    });
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await stagingLeftovers()).toEqual([]);
  });

  it('does not list a job folder that is a link', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await store.capture('real', temp.workspace);
    await symlink(join(temp.storeDir, 'real'), join(temp.storeDir, 'alias'));

    expect(await store.listSnapshots('alias')).toEqual([]);
    expect((await store.listJobs()).map((j) => j.job_id)).toEqual(['real']);
  });
});

describe('validation', () => {
  it.each([
    ['', 'empty'],
    ['.hidden', 'leading dot'],
    ['..', 'parent folder'],
    ['../escape', 'climbing out'],
    ['a/b', 'slash'],
    ['a'.repeat(129), 'too long'],
    ['job id', 'space'],
    ['.staging', 'the staging folder'],
  ])('refuses the job id %j (%s) with INVALID_PARAMS', async (jobId) => {
    const attempt = store.capture(jobId, temp.workspace);

    await expect(attempt).rejects.toBeInstanceOf(SnapshotError);
    await expect(attempt).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'job_id' },
    });
    await expect(store.listSnapshots(jobId)).rejects.toMatchObject({
      data: { field: 'job_id' },
    });
  });

  it.each(['../x', 'a-b', '', 'x'.repeat(65)])(
    'refuses the snapshot id %j with INVALID_PARAMS',
    async (id) => {
      await expect(store.getSnapshot('job', id)).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        data: { field: 'id' },
      });
    },
  );

  it('answers SNAPSHOT_NOT_FOUND for an id that is not there', async () => {
    await expect(
      store.getSnapshot('job', '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });
});

describe('artifacts that cannot be read', () => {
  it('records a file that vanished mid-capture as failed and keeps the rest', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++)
      files[`f-${String(i).padStart(2, '0')}.json`] = '{}';
    await writeFiles(temp.workspace, files);
    const vanishing = join(temp.workspace, 'f-19.json');
    let removed = false;

    // Copies run four at a time in name order: after the first one ends,
    // the last file has not been opened yet.
    const outcome = await store.captureSnapshot('job', temp.workspace, {
      onProgress: () => {
        if (removed) return;
        removed = true;
        void unlink(vanishing);
      },
    });

    expect(outcome.snapshot?.files).toBe(19);
    expect(outcome).toMatchObject({
      failed: [{ name: 'f-19.json', error: expect.stringContaining('ENOENT') }],
    });
    const detail = await store.getSnapshot('job', outcome.snapshot!.id);
    expect(detail.failed).toEqual([
      { name: 'f-19.json', error: expect.stringContaining('ENOENT') },
    ]);
  });
});

describe('permissions', () => {
  it('makes folders 0700 and files 0600 even under umask 000', async () => {
    const previous = process.umask(0);
    try {
      await writeFiles(temp.workspace, { 'state.json': '{}', 'a.log': 'x' });
      await writeFile(join(temp.root, 'job.yaml'), 'a: 1', { mode: 0o666 });
      const snapshot = await store.capture('job', temp.workspace, {
        configPath: join(temp.root, 'job.yaml'),
      });

      const modes = await collectModes(temp.storeDir);
      expect(modes.length).toBeGreaterThan(6);
      for (const { path, mode, isDir } of modes) {
        expect([path, mode]).toEqual([path, isDir ? 0o700 : 0o600]);
      }
      expect(snapshot).not.toBeNull();
    } finally {
      process.umask(previous);
    }
  });
});

async function collectModes(
  dir: string,
): Promise<{ path: string; mode: number; isDir: boolean }[]> {
  const out = [
    { path: dir, mode: (await stat(dir)).mode & 0o777, isDir: true },
  ];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await collectModes(path)));
    else
      out.push({ path, mode: (await stat(path)).mode & 0o777, isDir: false });
  }
  return out;
}

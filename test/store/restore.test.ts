import { execFileSync } from 'node:child_process';
import {
  lstat,
  mkdir,
  readFile,
  readdir,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../protocol/index.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  createSnapshotFolders,
  writeWorkspace,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

const FILES = {
  'state.json': '{"step":3}',
  'marianne.log': 'line\n'.repeat(5000),
  '.marianne-observer.jsonl': '{"event":"a"}\n',
};

let folders: SnapshotFolders;
let store: SnapshotManager;
let snapshot: Snapshot;

beforeEach(async () => {
  folders = await createSnapshotFolders();
  store = new SnapshotManager({ baseDir: folders.storeDir });
  const workspace = await writeWorkspace(folders, 'ws', FILES);
  snapshot = (await store.capture('job', workspace))!;
});

afterEach(async () => {
  await store.close();
  await folders.dispose();
});

async function readTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    tree[name] = await readFile(join(dir, name), 'utf8');
  }
  return tree;
}

describe('restore', () => {
  it('creates a missing target 0700 and restores every artifact 0600', async () => {
    const target = join(folders.root, 'out', 'nested');

    const result = await store.restore('job', snapshot.id, target);

    expect(result).toEqual({ restored: 3, target });
    expect(await readTree(target)).toEqual(FILES);
    expect((await stat(target)).mode & 0o777).toBe(0o700);
    for (const name of Object.keys(FILES)) {
      expect((await stat(join(target, name))).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps the modification time the workspace file had', async () => {
    const source = join(folders.root, 'ws', 'state.json');
    const then = new Date('2001-02-03T04:05:06.789Z');
    await utimes(source, then, then);
    const old = (await store.capture('job', join(folders.root, 'ws')))!;
    const target = join(folders.root, 'out');

    await store.restore('job', old.id, target);

    const restored = await stat(join(target, 'state.json'));
    expect(restored.mtime.toISOString()).toBe(then.toISOString());
  });

  it('restores into an existing empty folder', async () => {
    const target = join(folders.root, 'empty');
    await mkdir(target);

    await store.restore('job', snapshot.id, target);

    expect(await readTree(target)).toEqual(FILES);
  });

  it('refuses a non-empty target and leaves it untouched', async () => {
    const target = join(folders.root, 'busy');
    await mkdir(target);
    await writeFile(join(target, 'state.json'), 'mine');

    await expect(
      store.restore('job', snapshot.id, target),
    ).rejects.toMatchObject({ code: 'TARGET_NOT_EMPTY' });
    expect(await readTree(target)).toEqual({ 'state.json': 'mine' });
  });

  it('overwrites a non-empty target when asked, keeping other files', async () => {
    const target = join(folders.root, 'busy');
    await mkdir(target);
    await writeFile(join(target, 'state.json'), 'mine');
    await writeFile(join(target, 'other.txt'), 'unrelated');

    await store.restore('job', snapshot.id, target, { overwrite: true });

    expect(await readTree(target)).toEqual({
      ...FILES,
      'other.txt': 'unrelated',
    });
  });

  it('refuses to write through a symlink planted in the target', async () => {
    const target = join(folders.root, 'trap');
    const victim = join(folders.root, 'victim.txt');
    await mkdir(target);
    await writeFile(victim, 'do not touch');
    await symlink(victim, join(target, 'state.json'));

    await expect(
      store.restore('job', snapshot.id, target, { overwrite: true }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'target' },
    });
    expect(await readFile(victim, 'utf8')).toBe('do not touch');
    expect((await lstat(join(target, 'state.json'))).isSymbolicLink()).toBe(
      true,
    );
  });

  it('refuses a symlinked folder planted where a restored folder goes', async () => {
    const ws = await writeWorkspace(folders, 'ws2', { 'config.yaml': 'a: 1' });
    const config = join(folders.root, 'config.yaml');
    await writeFile(config, 'b: 2');
    const clash = (await store.capture('clash', ws, { configPath: config }))!;
    const names = (await store.getSnapshot('clash', clash.id)).artifacts.map(
      (a) => a.name,
    );
    expect(names).toContain('.marianne-snapshot/config/config.yaml');
    const target = join(folders.root, 'trap');
    const outside = join(folders.root, 'outside');
    await mkdir(target);
    await mkdir(outside);
    await symlink(outside, join(target, '.marianne-snapshot'));

    await expect(
      store.restore('clash', clash.id, target, { overwrite: true }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a FIFO planted in the target without blocking on it', async () => {
    const target = join(folders.root, 'fifo');
    await mkdir(target);
    execFileSync('mkfifo', [join(target, 'marianne.log')]);

    await expect(
      store.restore('job', snapshot.id, target, { overwrite: true }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'target' },
    });
    expect((await lstat(join(target, 'marianne.log'))).isFIFO()).toBe(true);
  });

  it('takes back what it created when cancelled', async () => {
    const target = join(folders.root, 'out');
    const controller = new AbortController();

    const outcome = store.restore('job', snapshot.id, target, {
      signal: controller.signal,
      onProgress: (p) => {
        expect(p).toMatchObject({ stage: 'restore', done: 1, total: 3 });
        controller.abort();
      },
    });

    await expect(outcome).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a snapshot whose file no longer matches its hash', async () => {
    await writeFile(join(snapshot.path, 'state.json'), '{"step":9}');
    const target = join(folders.root, 'out');

    await expect(
      store.restore('job', snapshot.id, target),
    ).rejects.toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      data: { name: 'state.json' },
    });
    // Nothing half-restored stays behind: the created target goes too.
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a manifest naming a file outside the snapshot', async () => {
    const written = await folders.write({ jobId: 'job' });
    const manifestPath = join(
      written.path,
      '.marianne-snapshot',
      'manifest.json',
    );
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.artifacts[0].name = '../../escape.json';
    await writeFile(manifestPath, JSON.stringify(manifest));
    const target = join(folders.root, 'deep', 'out');

    await expect(
      store.restore('job', written.id, target),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT' });
    await expect(stat(join(folders.root, 'escape.json'))).rejects.toThrow();
    await expect(stat(target)).rejects.toThrow();
  });

  it('refuses an original-layout snapshot with NO_MANIFEST', async () => {
    const original = await folders.writeOriginal('legacy', 1_700_000_000);

    await expect(
      store.restore('legacy', original.id, join(folders.root, 'out')),
    ).rejects.toMatchObject({ code: 'NO_MANIFEST' });
  });

  it.each([
    ['relative/path', 'INVALID_PARAMS'],
    ['/nonexistent-id', 'SNAPSHOT_NOT_FOUND'],
  ])('refuses %s with %s', async (target, code) => {
    const id =
      code === 'SNAPSHOT_NOT_FOUND'
        ? '01J00000000000000000000000'
        : snapshot.id;
    const where = target.startsWith('/') ? join(folders.root, target) : target;

    await expect(store.restore('job', id, where)).rejects.toMatchObject({
      code,
    });
  });
});

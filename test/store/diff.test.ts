import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  useFolderStore,
  writeWorkspace,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

let folders: SnapshotFolders;
let store: SnapshotManager;

useFolderStore((fixture) => ({ folders, store } = fixture));

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args],
    { cwd, stdio: 'ignore' },
  );
}

describe('diff', () => {
  it('sorts artifacts into added, removed, changed and unchanged', async () => {
    const ws = await writeWorkspace(folders, 'ws', {
      'b.json': '1',
      'a.json': '1',
      'gone.log': 'x',
      'same.yaml': 'k: v',
    });
    const from = (await store.capture('job', ws))!;
    await writeFile(join(ws, 'a.json'), '2');
    await writeFile(join(ws, 'b.json'), '2');
    await rm(join(ws, 'gone.log'));
    await writeFile(join(ws, 'new.json'), '{}');
    await writeFile(join(ws, 'also-new.log'), '');
    const to = (await store.capture('job', ws))!;

    const result = await store.diff('job', from.id, to.id);

    expect(result).toEqual({
      added: ['also-new.log', 'new.json'],
      removed: ['gone.log'],
      changed: ['a.json', 'b.json'],
      unchanged: ['same.yaml'],
      git: { from: null, to: null, changed: [] },
    });
  });

  it('names the git fields that differ', async () => {
    const ws = await writeWorkspace(folders, 'repo', { 'state.json': '1' });
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'add', '.');
    git(ws, 'commit', '-q', '-m', 'one');
    const from = (await store.capture('job', ws))!;
    await writeFile(join(ws, 'state.json'), '2');
    git(ws, 'commit', '-q', '-am', 'two');
    const to = (await store.capture('job', ws))!;

    const result = await store.diff('job', from.id, to.id);

    expect(result.changed).toEqual(['state.json']);
    expect(result.git.changed).toEqual(['head_sha']);
    expect(result.git.from?.branch).toBe('main');
    expect(result.git.to?.head_sha).not.toBe(result.git.from?.head_sha);
  });

  it('reports every git field when one side has no git context', async () => {
    const plain = await writeWorkspace(folders, 'plain', { 'a.json': '1' });
    const repo = await writeWorkspace(folders, 'repo', { 'a.json': '1' });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'one');
    const from = (await store.capture('job', plain))!;
    const to = (await store.capture('job', repo))!;

    const result = await store.diff('job', from.id, to.id);

    expect(result.unchanged).toEqual(['a.json']);
    expect(result.git.changed).toEqual(['head_sha', 'branch', 'status']);
  });

  it('refuses an original-layout snapshot with NO_MANIFEST', async () => {
    const ws = await writeWorkspace(folders, 'ws', { 'a.json': '1' });
    const modern = (await store.capture('job', ws))!;
    const original = await folders.writeOriginal('job', 1_700_000_000);

    await expect(
      store.diff('job', original.id, modern.id),
    ).rejects.toMatchObject({ code: 'NO_MANIFEST' });
  });

  it('refuses a snapshot that does not exist', async () => {
    const ws = await writeWorkspace(folders, 'ws', { 'a.json': '1' });
    const modern = (await store.capture('job', ws))!;

    await expect(
      store.diff('job', modern.id, '01J00000000000000000000000'),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    await expect(store.diff('job', modern.id, 'x/y')).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'to' },
    });
  });
});

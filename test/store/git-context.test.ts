import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  captureLogs,
  git,
  initRepo,
  useTempStore,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

let temp: TempRoot;
let store: SnapshotManager;

useTempStore((fixture) => ({ temp, store } = fixture));

async function captureGit(manager = store, workspace = temp.workspace) {
  const snapshot = await manager.capture('job', workspace);
  return (await manager.getSnapshot('job', snapshot!.id)).git;
}

describe('git context', () => {
  it('records HEAD, the branch and the status exactly as git prints it', async () => {
    await writeFiles(temp.workspace, {
      'state.json': '{}',
      'staged.json': '1',
      'unstaged.log': 'a',
    });
    await initRepo(temp.workspace);
    await writeFiles(temp.workspace, {
      'staged.json': '2',
      'unstaged.log': 'b',
      'new.yaml': 'c',
    });
    await git(temp.workspace, 'add', 'staged.json');
    const head = (await git(temp.workspace, 'rev-parse', 'HEAD')).trim();

    const context = await captureGit();

    expect(context).toEqual({
      head_sha: head,
      branch: 'main',
      status: 'M  staged.json\n M unstaged.log\n?? new.yaml\n',
    });
  });

  it('keeps the leading space of an unstaged first line', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await initRepo(temp.workspace);
    await writeFiles(temp.workspace, { 'state.json': '{"changed":1}' });

    const context = await captureGit();

    expect(context?.status).toBe(' M state.json\n');
  });

  it('reports a detached HEAD as the branch "HEAD", as rev-parse does', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await initRepo(temp.workspace);
    const head = (await git(temp.workspace, 'rev-parse', 'HEAD')).trim();
    await git(temp.workspace, 'checkout', '-q', '--detach');

    const context = await captureGit();

    expect(context).toMatchObject({ head_sha: head, branch: 'HEAD' });
  });

  it('counts a workspace inside a repository, as git -C would', async () => {
    const workspace = join(temp.workspace, 'nested');
    await writeFiles(workspace, { 'state.json': '{}' });
    await initRepo(temp.workspace);

    const context = await captureGit(store, workspace);

    expect(context).toMatchObject({ branch: 'main', status: '' });
  });

  it.each([
    ['a folder that is no repository', false],
    ['a repository without a commit', true],
  ])('captures without git context in %s', async (_label, isRepo) => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    if (isRepo) await initRepo(temp.workspace, { commit: false });
    const { logger, events } = captureLogs();
    const manager = new SnapshotManager({ baseDir: temp.storeDir, logger });

    const context = await captureGit(manager);

    expect(context).toBeNull();
    expect(events).toContainEqual(
      expect.objectContaining({
        msg: 'snapshot.git_unavailable',
        reason: 'not_a_repository',
      }),
    );
  });

  it('ignores a GIT_DIR in the daemon environment: only the workspace counts', async () => {
    const other = join(temp.root, 'other');
    await mkdir(other);
    await initRepo(other);
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(other, '.git');

    try {
      expect(await captureGit()).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });
});

describe('when git cannot answer', () => {
  let savedPath: string | undefined;

  beforeEach(() => {
    savedPath = process.env.PATH;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('captures without git context when git is not installed', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await initRepo(temp.workspace);
    const { logger, events } = captureLogs();
    const manager = new SnapshotManager({ baseDir: temp.storeDir, logger });
    process.env.PATH = join(temp.root, 'empty-bin');

    const context = await captureGit(manager);

    expect(context).toBeNull();
    expect(events).toContainEqual(
      expect.objectContaining({ reason: 'git_not_found' }),
    );
  });

  it('gives up on a git that hangs once the timeout passes', async () => {
    const bin = join(temp.root, 'slow-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'git'), '#!/bin/sh\nexec sleep 30\n');
    await chmod(join(bin, 'git'), 0o755);
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const { logger, events } = captureLogs();
    const manager = new SnapshotManager({
      baseDir: temp.storeDir,
      logger,
      gitTimeoutMs: 300,
    });
    process.env.PATH = `${bin}:${savedPath}`;

    const context = await captureGit(manager);

    expect(context).toBeNull();
    expect(events).toContainEqual(
      expect.objectContaining({ reason: 'timeout' }),
    );
  });
  it('kills every process git started once the timeout passes', async () => {
    const bin = join(temp.root, 'slow-bin');
    const pidFile = join(temp.root, 'sleeper.pid');
    await mkdir(bin);
    // git itself forks a child that outlives it unless its group dies.
    const script = `#!/bin/sh\nsleep 30 &\necho $! > '${pidFile}'\nwait\n`;
    await writeFile(join(bin, 'git'), script);
    await chmod(join(bin, 'git'), 0o755);
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const manager = new SnapshotManager({
      baseDir: temp.storeDir,
      gitTimeoutMs: 300,
    });
    process.env.PATH = `${bin}:${savedPath}`;

    expect(await captureGit(manager)).toBeNull();
    await manager.close();

    const sleeper = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => isAlive(sleeper), { timeout: 3000 }).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

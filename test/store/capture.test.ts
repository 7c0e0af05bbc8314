import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  captureLogs,
  useTempStore,
  setMtime,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

let temp: TempRoot;
let store: SnapshotManager;

useTempStore((fixture) => ({ temp, store } = fixture));

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('what a capture takes', () => {
  it.each([
    ['state.json', true],
    ['config.yaml', true],
    ['config.yml', true],
    ['marianne.log', true],
    ['worker.log', true],
    ['.marianne-observer.jsonl', true],
    ['.hidden.json', true],
    ['.json', true],
    ['notes.txt', false],
    ['timeline.jsonl', false],
    ['state.json.bak', false],
    ['STATE.JSON', false],
    ['log', false],
  ])('treats %s as captured: %s', async (name, captured) => {
    await writeFiles(temp.workspace, { [name]: 'x', 'anchor.json': '{}' });

    const snapshot = await store.capture('job', temp.workspace);

    const names = await readdir(snapshot!.path);
    expect(names.includes(name)).toBe(captured);
  });

  it('takes top-level files only, not those in subfolders', async () => {
    await writeFiles(temp.workspace, {
      'state.json': '{}',
      'sub/deep.json': '{}',
    });

    const snapshot = await store.capture('job', temp.workspace);

    const detail = await store.getSnapshot('job', snapshot!.id);
    expect(detail.artifacts.map((a) => a.name)).toEqual(['state.json']);
  });

  it('reports files, bytes and hashes as the manifest records them', async () => {
    await writeFiles(temp.workspace, {
      'state.json': '{"a":1}',
      'marianne.log': 'line one\n',
    });

    const snapshot = await store.capture('job', temp.workspace);
    const detail = await store.getSnapshot('job', snapshot!.id);

    expect(snapshot).toMatchObject({ job_id: 'job', files: 2, bytes: 16 });
    expect(detail.workspace).toBe(temp.workspace);
    expect(detail.artifacts).toEqual([
      { name: 'marianne.log', bytes: 9, sha256: sha256('line one\n') },
      { name: 'state.json', bytes: 7, sha256: sha256('{"a":1}') },
    ]);
    const copied = await readFile(join(snapshot!.path, 'state.json'), 'utf8');
    expect(copied).toBe('{"a":1}');
  });

  it('keeps the modification time of each copy, as cp -p does', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const then = new Date('2024-02-03T04:05:06.000Z');
    await setMtime(join(temp.workspace, 'state.json'), then);

    const snapshot = await store.capture('job', temp.workspace);

    const copy = await stat(join(snapshot!.path, 'state.json'));
    expect(copy.mtime.toISOString()).toBe(then.toISOString());
  });

  it('stamps timestamp and created_at from the same instant', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    const before = Date.now();

    const snapshot = await store.capture('job', temp.workspace);

    const createdMs = Date.parse(snapshot!.created_at);
    expect(createdMs).toBeGreaterThanOrEqual(before);
    expect(createdMs).toBeLessThanOrEqual(Date.now());
    expect(snapshot!.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*\.\d{3}Z$/);
    expect(snapshot!.timestamp).toBe(String(Math.floor(createdMs / 1000)));
    expect(snapshot!.path).toBe(join(temp.storeDir, 'job', snapshot!.id));
  });
});

describe('when there is nothing to capture', () => {
  it('returns null for a missing workspace and leaves no job folder', async () => {
    const outcome = await store.captureSnapshot(
      'job',
      join(temp.root, 'absent'),
    );

    expect(outcome).toEqual({ snapshot: null, reason: 'workspace_missing' });
    await expect(readdir(temp.storeDir)).resolves.not.toContain('job');
  });

  it('returns null when no file matches and leaves no job folder', async () => {
    await writeFiles(temp.workspace, { 'notes.txt': 'x', 'sub/a.json': '{}' });

    const outcome = await store.captureSnapshot('job', temp.workspace);

    expect(outcome).toEqual({ snapshot: null, reason: 'nothing_to_capture' });
    await expect(readdir(temp.storeDir)).resolves.not.toContain('job');
    expect(await store.listSnapshots('job')).toEqual([]);
  });

  it('returns null when only the config could be taken', async () => {
    await writeFiles(temp.root, { 'job.yaml': 'a: 1' });

    const snapshot = await store.capture('job', temp.workspace, {
      configPath: join(temp.root, 'job.yaml'),
    });

    expect(snapshot).toBeNull();
  });

  it('logs why, with the original event names', async () => {
    const { logger, events } = captureLogs();
    const logged = new SnapshotManager({ baseDir: temp.storeDir, logger });

    await logged.capture('job', join(temp.root, 'absent'));
    await logged.capture('job', temp.workspace);

    const names = events.map((e) => e.msg);
    expect(names).toContain('snapshot.workspace_missing');
    expect(names).toContain('snapshot.empty');
  });
});

describe('the job config', () => {
  it('is copied to the top level when its name is free', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await writeFiles(temp.root, { 'job.yaml': 'a: 1\n' });

    const snapshot = await store.capture('job', temp.workspace, {
      configPath: join(temp.root, 'job.yaml'),
    });

    expect(await readFile(join(snapshot!.path, 'job.yaml'), 'utf8')).toBe(
      'a: 1\n',
    );
    expect(snapshot!.files).toBe(2);
  });

  it('goes aside when a workspace file has its name, so neither is lost', async () => {
    await writeFiles(temp.workspace, { 'job.yaml': 'workspace: 1\n' });
    await writeFiles(temp.root, { 'cfg/job.yaml': 'config: 1\n' });

    const snapshot = await store.capture('job', temp.workspace, {
      configPath: join(temp.root, 'cfg/job.yaml'),
    });

    const top = await readFile(join(snapshot!.path, 'job.yaml'), 'utf8');
    const aside = join(snapshot!.path, '.marianne-snapshot/config/job.yaml');
    expect(top).toBe('workspace: 1\n');
    expect(await readFile(aside, 'utf8')).toBe('config: 1\n');
  });

  it('records a config that does not exist as failed, and still captures', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });

    const outcome = await store.captureSnapshot('job', temp.workspace, {
      configPath: join(temp.root, 'absent.yaml'),
    });

    expect(outcome.snapshot?.files).toBe(1);
    expect(outcome).toMatchObject({
      failed: [
        { name: 'absent.yaml', error: expect.stringContaining('ENOENT') },
      ],
    });
  });
});

describe('the manifest', () => {
  it('records every artifact with its source and role, written last', async () => {
    await writeFiles(temp.workspace, { 'state.json': '{}' });
    await writeFiles(temp.root, { 'job.yaml': 'a: 1' });

    const snapshot = await store.capture('job', temp.workspace, {
      configPath: join(temp.root, 'job.yaml'),
    });
    const path = join(snapshot!.path, '.marianne-snapshot/manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));

    expect(manifest).toMatchObject({
      format: 1,
      job_id: 'job',
      id: snapshot!.id,
      timestamp: snapshot!.timestamp,
      created_at: snapshot!.created_at,
      workspace: temp.workspace,
      failed: [],
      git: null,
      observer: null,
    });
    expect(manifest.artifacts).toMatchObject([
      { name: 'job.yaml', role: 'config', source: join(temp.root, 'job.yaml') },
      {
        name: 'state.json',
        role: 'workspace',
        source: join(temp.workspace, 'state.json'),
        bytes: 2,
        sha256: sha256('{}'),
      },
    ]);
  });
});

describe('what a capture logs', () => {
  it('emits snapshot.captured with the job, id, path, files, bytes and ms', async () => {
    const { logger, events } = captureLogs();
    const logged = new SnapshotManager({ baseDir: temp.storeDir, logger });
    await writeFiles(temp.workspace, { 'state.json': '{}' });

    const snapshot = await logged.capture('job', temp.workspace);

    const event = events.find((e) => e.msg === 'snapshot.captured');
    expect(event).toMatchObject({
      level: 30,
      job_id: 'job',
      id: snapshot!.id,
      path: snapshot!.path,
      files: 1,
      bytes: 2,
      ms: expect.any(Number),
    });
  });
});

describe('names the manager also writes', () => {
  it('keeps workspace files named like its own, at the top level, untouched', async () => {
    const own = {
      'manifest.json': '{"mine":1}',
      'git-context.json': '{"head_sha":"not really"}',
      'observer-summary.json': '{"total_events":99}',
    };
    await writeFiles(temp.workspace, own);

    const snapshot = await store.capture('job', temp.workspace);
    const detail = await store.getSnapshot('job', snapshot!.id);

    for (const [name, content] of Object.entries(own)) {
      expect(await readFile(join(snapshot!.path, name), 'utf8')).toBe(content);
    }
    expect(detail.artifacts.map((a) => a.name)).toEqual(
      Object.keys(own).sort(),
    );
    expect(detail.git).toBeNull();
    expect(detail.observer).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFiles } from '../support/workspace.js';
import { startCliSession, type CliSession } from '../support/cli-session.js';

let session: CliSession;

beforeAll(async () => {
  session = await startCliSession();
});

afterAll(async () => {
  await session?.dispose();
});

describe('diff', () => {
  it('lists added, removed and changed artifacts', async () => {
    const workspace = await session.makeWorkspace({
      'state.json': '{"n":1}',
      'old.log': 'x',
      'same.yaml': 'a: 1',
    });
    const from = await session.capture('diff-job', workspace);
    await writeFiles(workspace, { 'state.json': '{"n":2}', 'new.json': '{}' });
    await rm(join(workspace, 'old.log'));
    const to = await session.capture('diff-job', workspace);

    const human = await session.cli(['diff', 'diff-job', from.id, to.id]);
    const json = await session.cli([
      'diff',
      'diff-job',
      from.id,
      to.id,
      '--json',
    ]);

    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout.split('\n').slice(0, 4)).toEqual([
      '+ new.json',
      '- old.log',
      '~ state.json',
      '1 artifact unchanged',
    ]);
    expect(json.json()).toMatchObject({
      added: ['new.json'],
      removed: ['old.log'],
      changed: ['state.json'],
      unchanged: ['same.yaml'],
    });
  });
});

describe('verify', () => {
  it('exits 0 when every artifact matches, 1 when one changed', async () => {
    const snapshot = await session.capture(
      'verify-job',
      await session.makeWorkspace(),
    );

    const clean = await session.cli(['verify', 'verify-job']);
    await writeFile(join(snapshot.path, 'state.json'), 'tampered');
    const human = await session.cli(['verify', 'verify-job', snapshot.id]);
    const json = await session.cli(['verify', 'verify-job', '--json']);

    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toBe('ok: 1 snapshot match their manifests\n');
    expect(human.status, human.stderr).toBe(1);
    expect(human.stdout).toMatch(
      new RegExp(
        `^verify-job +${snapshot.id} +state\\.json +content changed$`,
        'm',
      ),
    );
    expect(human.stdout).toMatch(/^1 problem in 1 snapshot checked$/m);
    expect(json.status, json.stdout + json.stderr).toBe(1);
    expect(json.json()).toMatchObject({ ok: false, checked: 1 });
  });
});

describe('pin, unpin and delete', () => {
  it('refuses to delete a pinned snapshot until it is unpinned', async () => {
    const snapshot = await session.capture(
      'pin-job',
      await session.makeWorkspace(),
    );
    const ref = ['pin-job', snapshot.id];

    const pinned = await session.cli(['pin', ...ref]);
    const refused = await session.cli(['delete', ...ref]);
    const unpinned = await session.cli(['unpin', ...ref, '--json']);
    const deleted = await session.cli(['delete', ...ref]);
    const listed = await session.cli(['list', 'pin-job', '--json']);

    expect(pinned.stdout).toBe(`pin-job/${snapshot.id} is pinned\n`);
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('(SNAPSHOT_PINNED)');
    expect(unpinned.json()).toEqual({ pinned: false });
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted pin-job/${snapshot.id}\n`);
    expect(listed.json()).toEqual({ snapshots: [] });
  });
});

describe('delete', () => {
  it('prints exactly the result with --json', async () => {
    const snapshot = await session.capture(
      'delete-job',
      await session.makeWorkspace(),
    );

    const run = await session.cli([
      'delete',
      'delete-job',
      snapshot.id,
      '--json',
    ]);
    const again = await session.cli(['delete', 'delete-job', snapshot.id]);

    expect(run.status, run.stderr).toBe(0);
    expect(run.json()).toEqual({ deleted: true });
    expect(again.status, again.stderr).toBe(1);
    expect(again.stderr).toContain('(SNAPSHOT_NOT_FOUND)');
  });
});

describe('restore', () => {
  it('restores into a relative target, and refuses a full one', async () => {
    const snapshot = await session.capture(
      'restore-job',
      await session.makeWorkspace(),
    );
    const args = ['restore', 'restore-job', snapshot.id, 'restored'];

    const first = await session.cli(args, { cwd: session.work });
    const again = await session.cli(args, { cwd: session.work });
    const forced = await session.cli([...args, '--overwrite', '--json'], {
      cwd: session.work,
    });

    const target = join(session.work, 'restored');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      `restored 2 files of restore-job/${snapshot.id} into ${target}\n`,
    );
    expect((await readdir(target)).sort()).toEqual([
      'marianne.log',
      'state.json',
    ]);
    expect(await readFile(join(target, 'marianne.log'), 'utf8')).toBe('done\n');
    expect(again.status, again.stderr).toBe(1);
    expect(again.stderr).toContain('(TARGET_NOT_EMPTY)');
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.json()).toEqual({ restored: 2, target });
  });
});

describe('cleanup', () => {
  it('with --dry-run says what would go and why, and removes nothing', async () => {
    const workspace = await session.makeWorkspace();
    const older = await session.capture('clean-job', workspace);
    const newer = await session.capture('clean-job', workspace);
    const flags = ['--job', 'clean-job', '--max-age-hours', '0'];

    const dry = await session.cli([
      'cleanup',
      ...flags,
      '--keep-last',
      '1',
      '--dry-run',
    ]);
    const still = await session.cli(['list', 'clean-job', '--json']);

    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n').slice(0, 3)).toEqual([
      'would remove 1 snapshot, freeing 27 B:',
      expect.stringMatching(/^JOB +ID +REASON$/),
      expect.stringMatching(
        new RegExp(`^clean-job +${older.id} +older than 0 hours$`),
      ),
    ]);
    expect(still.json().snapshots).toHaveLength(2);

    const real = await session.cli(['cleanup', ...flags, '--json']);
    const gone = await session.cli(['list', 'clean-job', '--json']);

    expect(real.json()).toMatchObject({ removed: 2, freed_bytes: 54 });
    expect(gone.json()).toEqual({ snapshots: [] });
    expect(newer.id > older.id).toBe(true);
  });

  it('exits 2 when the daemon refuses a param as invalid', async () => {
    const run = await session.cli([
      'cleanup',
      '--keep-last',
      '99999999999999999999',
    ]);

    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/keep_last.*\(INVALID_PARAMS\)/);
  });
});

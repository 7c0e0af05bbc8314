import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFiles } from '../support/workspace.js';
import { startCliFixture, type CliFixture } from '../support/cli-fixture.js';

let fixture: CliFixture;

beforeAll(async () => {
  fixture = await startCliFixture();
});

afterAll(async () => {
  await fixture?.dispose();
});

describe('diff', () => {
  it('lists added, removed and changed artifacts', async () => {
    const workspace = await fixture.makeWorkspace({
      'state.json': '{"n":1}',
      'old.log': 'x',
      'same.yaml': 'a: 1',
    });
    const from = await fixture.capture('diff-job', workspace);
    await writeFiles(workspace, { 'state.json': '{"n":2}', 'new.json': '{}' });
    await rm(join(workspace, 'old.log'));
    const to = await fixture.capture('diff-job', workspace);

    const human = await fixture.cli(['diff', 'diff-job', from.id, to.id]);
    const json = await fixture.cli([
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
    const snapshot = await fixture.capture(
      'verify-job',
      await fixture.makeWorkspace(),
    );

    const clean = await fixture.cli(['verify', 'verify-job']);
    await writeFile(join(snapshot.path, 'state.json'), 'tampered');
    const human = await fixture.cli(['verify', 'verify-job', snapshot.id]);
    const json = await fixture.cli(['verify', 'verify-job', '--json']);

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
    const snapshot = await fixture.capture(
      'pin-job',
      await fixture.makeWorkspace(),
    );
    const ref = ['pin-job', snapshot.id];

    const pinned = await fixture.cli(['pin', ...ref]);
    const refused = await fixture.cli(['delete', ...ref]);
    const unpinned = await fixture.cli(['unpin', ...ref, '--json']);
    const deleted = await fixture.cli(['delete', ...ref]);
    const listed = await fixture.cli(['list', 'pin-job', '--json']);

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
    const snapshot = await fixture.capture(
      'delete-job',
      await fixture.makeWorkspace(),
    );

    const run = await fixture.cli([
      'delete',
      'delete-job',
      snapshot.id,
      '--json',
    ]);
    const again = await fixture.cli(['delete', 'delete-job', snapshot.id]);

    expect(run.status, run.stderr).toBe(0);
    expect(run.json()).toEqual({ deleted: true });
    expect(again.status, again.stderr).toBe(1);
    expect(again.stderr).toContain('(SNAPSHOT_NOT_FOUND)');
  });
});

describe('restore', () => {
  it('restores into a relative target, and refuses a full one', async () => {
    const snapshot = await fixture.capture(
      'restore-job',
      await fixture.makeWorkspace(),
    );
    const args = ['restore', 'restore-job', snapshot.id, 'restored'];

    const first = await fixture.cli(args, { cwd: fixture.work });
    const again = await fixture.cli(args, { cwd: fixture.work });
    const forced = await fixture.cli([...args, '--overwrite', '--json'], {
      cwd: fixture.work,
    });

    const target = join(fixture.work, 'restored');
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
    const workspace = await fixture.makeWorkspace();
    const older = await fixture.capture('clean-job', workspace);
    const newer = await fixture.capture('clean-job', workspace);
    const flags = ['--job', 'clean-job', '--max-age-hours', '0'];

    const dry = await fixture.cli([
      'cleanup',
      ...flags,
      '--keep-last',
      '1',
      '--dry-run',
    ]);
    const still = await fixture.cli(['list', 'clean-job', '--json']);

    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n').slice(0, 3)).toEqual([
      'would remove 1 snapshot, freeing 27 B:',
      expect.stringMatching(/^JOB +ID +REASON$/),
      expect.stringMatching(
        new RegExp(`^clean-job +${older.id} +older than 0 hours$`),
      ),
    ]);
    expect(still.json().snapshots).toHaveLength(2);

    const real = await fixture.cli(['cleanup', ...flags, '--json']);
    const gone = await fixture.cli(['list', 'clean-job', '--json']);

    expect(real.json()).toMatchObject({ removed: 2, freed_bytes: 54 });
    expect(gone.json()).toEqual({ snapshots: [] });
    expect(newer.id > older.id).toBe(true);
  });

  it('exits 2 when the daemon refuses a param as invalid', async () => {
    const run = await fixture.cli([
      'cleanup',
      '--keep-last',
      '99999999999999999999',
    ]);

    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/keep_last.*\(INVALID_PARAMS\)/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultOf } from '../../protocol/index.js';
import { initRepo } from '../support/workspace.js';
import { startCliFixture, type CliFixture } from '../support/cli-fixture.js';

let fixture: CliFixture;

beforeAll(async () => {
  fixture = await startCliFixture();
});

afterAll(async () => {
  await fixture?.dispose();
});

const ID = /[0-9A-Z]{26}/;

describe('health', () => {
  it('shows the daemon status, store and socket', async () => {
    const run = await fixture.cli(['health']);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^status +ok$/m);
    expect(run.stdout).toMatch(/^protocol +1\.0$/m);
    expect(run.stdout).toContain(fixture.daemon.storeDir);
    expect(run.stdout).toContain(fixture.daemon.socket);
  });

  it('prints exactly the result with --json', async () => {
    const run = await fixture.cli(['health', '--json']);

    expect(run.status, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      status: 'ok',
      protocol_version: '1.0',
      pid: fixture.daemon.child.pid,
      snapshot_dir: fixture.daemon.storeDir,
      socket: fixture.daemon.socket,
    });
  });
});

describe('capture', () => {
  it('says what it captured and where', async () => {
    const workspace = await fixture.makeWorkspace();

    const run = await fixture.cli(['capture', 'cap-human', workspace]);

    expect(run.status, run.stderr).toBe(0);
    const [first, second] = run.stdout.trimEnd().split('\n');
    expect(first).toMatch(
      new RegExp(`^captured ${ID.source} for cap-human: 2 files, 27 B$`),
    );
    expect(second).toMatch(
      new RegExp(`^  ${fixture.daemon.storeDir}/cap-human/`),
    );
  });

  it('resolves a relative workspace and config against its cwd', async () => {
    const workspace = await fixture.makeWorkspace();
    await writeFile(join(fixture.work, 'job.yaml'), 'name: x\n');
    const relative = workspace.slice(fixture.work.length + 1);

    const run = await fixture.cli(
      ['capture', 'cap-rel', relative, '--config', 'job.yaml', '--json'],
      { cwd: fixture.work },
    );
    const { snapshot } = run.json<ResultOf<'snapshot.capture'>>();
    const shown = await fixture.cli([
      'show',
      'cap-rel',
      snapshot!.id,
      '--json',
    ]);

    expect(run.status, run.stderr).toBe(0);
    const detail = shown.json<ResultOf<'snapshot.get'>>();
    expect(detail.workspace).toBe(workspace);
    expect(detail.artifacts.map((a) => a.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/job\.yaml$/)]),
    );
  });

  it.each([
    ['a workspace that does not exist', false, 'workspace_missing'],
    ['a workspace with nothing to capture', true, 'nothing_to_capture'],
  ])('exits 1 and says why on %s', async (_, exists, reason) => {
    const workspace = exists
      ? await fixture.makeWorkspace({ 'notes.txt': 'x' })
      : join(fixture.work, 'missing');

    const human = await fixture.cli(['capture', 'cap-none', workspace]);
    const json = await fixture.cli([
      'capture',
      'cap-none',
      workspace,
      '--json',
    ]);

    expect(human.status, human.stderr).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain(`nothing captured from ${workspace}`);
    expect(human.stderr).toContain(`(${reason})`);
    expect(json.status, json.stderr).toBe(1);
    expect(json.json()).toEqual({ snapshot: null, reason });
  });
});

describe('list', () => {
  it("shows a job's snapshots newest first, with ages and sizes", async () => {
    const workspace = await fixture.makeWorkspace();
    const older = await fixture.capture('list-job', workspace);
    await writeFile(join(workspace, 'extra.json'), '{}');
    const newer = await fixture.capture('list-job', workspace);

    const run = await fixture.cli(['list', 'list-job']);

    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +CREATED +AGE +FILES +SIZE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
      newer.id,
      older.id,
    ]);
    expect(lines[1]).toMatch(/just now +3 +29 B$/);
  });

  it('keeps to --limit and prints the result with --json', async () => {
    const workspace = await fixture.makeWorkspace();
    await fixture.capture('list-limit', workspace);
    const newest = await fixture.capture('list-limit', workspace);

    const run = await fixture.cli([
      'list',
      'list-limit',
      '--limit',
      '1',
      '--json',
    ]);

    expect(run.status, run.stderr).toBe(0);
    expect(run.json()).toEqual({ snapshots: [newest] });
  });

  it('shows every job without one', async () => {
    await fixture.capture('list-all', await fixture.makeWorkspace());

    const human = await fixture.cli(['list']);
    const json = await fixture.cli(['list', '--json']);

    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(
      /^JOB +SNAPSHOTS +SIZE +NEWEST$/,
    );
    expect(human.stdout).toMatch(/^list-all +1 +27 B +just now$/m);
    const { jobs } = json.json<ResultOf<'snapshot.jobs'>>();
    expect(jobs.find((job) => job.job_id === 'list-all')).toMatchObject({
      snapshots: 1,
      bytes: 27,
    });
  });

  it('says so when a job has no snapshots', async () => {
    const run = await fixture.cli(['list', 'never-captured']);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('no snapshots of never-captured\n');
  });
});

describe('show', () => {
  it('shows artifacts, git context and the observer summary', async () => {
    const workspace = await fixture.makeWorkspace({
      'state.json': '{}',
      '.marianne-observer.jsonl':
        '{"event":"start"}\n{"event":"tick"}\n{"event":"tick"}\n',
    });
    await initRepo(workspace);
    const snapshot = await fixture.capture('show-job', workspace);

    const run = await fixture.cli(['show', 'show-job', snapshot.id]);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^id +${snapshot.id}$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^workspace +${workspace}$`, 'm'));
    expect(run.stdout).toMatch(/^pinned +no$/m);
    expect(run.stdout).toMatch(/^git +main @ [0-9a-f]{12}, clean$/m);
    expect(run.stdout).toMatch(/^observer +3 events \(tick 2, start 1\)$/m);
    expect(run.stdout).toMatch(/^ARTIFACT +SIZE +SHA-256$/m);
    expect(run.stdout).toMatch(/^state\.json +2 B +[0-9a-f]{12}$/m);
  });

  it('exits 1 with the code and what to do for an unknown id', async () => {
    const run = await fixture.cli(['show', 'show-job', '01NOSUCHSNAPSHOT']);

    expect(run.status, run.stderr).toBe(1);
    const [first, hint] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^marianne-snapshot: .*\(SNAPSHOT_NOT_FOUND\)$/);
    expect(hint).toMatch(/^ {2}List the job snapshots/);
  });
});

import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOf, Snapshot } from '../../protocol/index.js';
import { runCli, runProcess, type CliOptions } from '../support/cli.js';
import {
  CLI_PATH,
  startDaemonProcess,
  type DaemonProcess,
} from '../support/daemon.js';
import { initRepo, writeFiles } from '../support/workspace.js';

let daemon: DaemonProcess;
let work: string;

beforeAll(async () => {
  daemon = await startDaemonProcess();
  work = join(daemon.root, 'work');
  await mkdir(work);
});

afterAll(async () => {
  await daemon?.dispose();
});

function cli(args: string[], options: CliOptions = {}) {
  return runCli([...args, '--socket', daemon.socket], options);
}

let workspaces = 0;

/** A fresh workspace holding these files. */
async function makeWorkspace(
  files: Record<string, string> = {
    'state.json': '{"status":"completed"}',
    'marianne.log': 'done\n',
  },
): Promise<string> {
  const workspace = join(work, `ws-${++workspaces}`);
  await mkdir(workspace);
  await writeFiles(workspace, files);
  return workspace;
}

async function capture(jobId: string, workspace: string): Promise<Snapshot> {
  const run = await cli(['capture', jobId, workspace, '--json']);
  expect(run.status, run.stderr).toBe(0);
  return run.json<ResultOf<'snapshot.capture'>>().snapshot!;
}

const ID = /[0-9A-Z]{26}/;

describe('health', () => {
  it('shows the daemon status, store and socket', async () => {
    const run = await cli(['health']);

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^status +ok$/m);
    expect(run.stdout).toMatch(/^protocol +1\.0$/m);
    expect(run.stdout).toContain(daemon.storeDir);
    expect(run.stdout).toContain(daemon.socket);
  });

  it('prints exactly the result with --json', async () => {
    const run = await cli(['health', '--json']);

    expect(run.status).toBe(0);
    expect(run.json()).toMatchObject({
      status: 'ok',
      protocol_version: '1.0',
      pid: daemon.child.pid,
      snapshot_dir: daemon.storeDir,
      socket: daemon.socket,
    });
  });
});

describe('capture', () => {
  it('says what it captured and where', async () => {
    const workspace = await makeWorkspace();

    const run = await cli(['capture', 'cap-human', workspace]);

    expect(run.status).toBe(0);
    const [first, second] = run.stdout.trimEnd().split('\n');
    expect(first).toMatch(
      new RegExp(`^captured ${ID.source} for cap-human: 2 files, 27 B$`),
    );
    expect(second).toMatch(new RegExp(`^  ${daemon.storeDir}/cap-human/`));
  });

  it('resolves a relative workspace and config against its cwd', async () => {
    const workspace = await makeWorkspace();
    await writeFile(join(work, 'job.yaml'), 'name: x\n');
    const relative = workspace.slice(work.length + 1);

    const run = await cli(
      ['capture', 'cap-rel', relative, '--config', 'job.yaml', '--json'],
      { cwd: work },
    );
    const { snapshot } = run.json<ResultOf<'snapshot.capture'>>();
    const shown = await cli(['show', 'cap-rel', snapshot!.id, '--json']);

    expect(run.status).toBe(0);
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
      ? await makeWorkspace({ 'notes.txt': 'x' })
      : join(work, 'missing');

    const human = await cli(['capture', 'cap-none', workspace]);
    const json = await cli(['capture', 'cap-none', workspace, '--json']);

    expect(human.status).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain(`nothing captured from ${workspace}`);
    expect(human.stderr).toContain(`(${reason})`);
    expect(json.status).toBe(1);
    expect(json.json()).toEqual({ snapshot: null, reason });
  });
});

describe('list', () => {
  it("shows a job's snapshots newest first, with ages and sizes", async () => {
    const workspace = await makeWorkspace();
    const older = await capture('list-job', workspace);
    await writeFile(join(workspace, 'extra.json'), '{}');
    const newer = await capture('list-job', workspace);

    const run = await cli(['list', 'list-job']);

    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +CREATED +AGE +FILES +SIZE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
      newer.id,
      older.id,
    ]);
    expect(lines[1]).toMatch(/just now +3 +29 B$/);
  });

  it('keeps to --limit and prints the result with --json', async () => {
    const workspace = await makeWorkspace();
    await capture('list-limit', workspace);
    const newest = await capture('list-limit', workspace);

    const run = await cli(['list', 'list-limit', '--limit', '1', '--json']);

    expect(run.status).toBe(0);
    expect(run.json()).toEqual({ snapshots: [newest] });
  });

  it('shows every job without one', async () => {
    await capture('list-all', await makeWorkspace());

    const human = await cli(['list']);
    const json = await cli(['list', '--json']);

    expect(human.status).toBe(0);
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
    const run = await cli(['list', 'never-captured']);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe('no snapshots of never-captured\n');
  });
});

describe('show', () => {
  it('shows artifacts, git context and the observer summary', async () => {
    const workspace = await makeWorkspace({
      'state.json': '{}',
      '.marianne-observer.jsonl':
        '{"event":"start"}\n{"event":"tick"}\n{"event":"tick"}\n',
    });
    await initRepo(workspace);
    const snapshot = await capture('show-job', workspace);

    const run = await cli(['show', 'show-job', snapshot.id]);

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^id +${snapshot.id}$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^workspace +${workspace}$`, 'm'));
    expect(run.stdout).toMatch(/^pinned +no$/m);
    expect(run.stdout).toMatch(/^git +main @ [0-9a-f]{12}, clean$/m);
    expect(run.stdout).toMatch(/^observer +3 events \(tick 2, start 1\)$/m);
    expect(run.stdout).toMatch(/^ARTIFACT +SIZE +SHA-256$/m);
    expect(run.stdout).toMatch(/^state\.json +2 B +[0-9a-f]{12}$/m);
  });

  it('exits 1 with the code and what to do for an unknown id', async () => {
    const run = await cli(['show', 'show-job', '01NOSUCHSNAPSHOT']);

    expect(run.status).toBe(1);
    const [first, hint] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^marianne-snapshot: .*\(SNAPSHOT_NOT_FOUND\)$/);
    expect(hint).toMatch(/^ {2}List the job snapshots/);
  });
});

describe('diff', () => {
  it('lists added, removed and changed artifacts', async () => {
    const workspace = await makeWorkspace({
      'state.json': '{"n":1}',
      'old.log': 'x',
      'same.yaml': 'a: 1',
    });
    const from = await capture('diff-job', workspace);
    await writeFiles(workspace, { 'state.json': '{"n":2}', 'new.json': '{}' });
    await import('node:fs/promises').then((fs) =>
      fs.rm(join(workspace, 'old.log')),
    );
    const to = await capture('diff-job', workspace);

    const human = await cli(['diff', 'diff-job', from.id, to.id]);
    const json = await cli(['diff', 'diff-job', from.id, to.id, '--json']);

    expect(human.status).toBe(0);
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
    const snapshot = await capture('verify-job', await makeWorkspace());

    const clean = await cli(['verify', 'verify-job']);
    await writeFile(join(snapshot.path, 'state.json'), 'tampered');
    const human = await cli(['verify', 'verify-job', snapshot.id]);
    const json = await cli(['verify', 'verify-job', '--json']);

    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toBe('ok: 1 snapshot match their manifests\n');
    expect(human.status).toBe(1);
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
    const snapshot = await capture('pin-job', await makeWorkspace());
    const ref = ['pin-job', snapshot.id];

    const pinned = await cli(['pin', ...ref]);
    const refused = await cli(['delete', ...ref]);
    const unpinned = await cli(['unpin', ...ref, '--json']);
    const deleted = await cli(['delete', ...ref]);
    const listed = await cli(['list', 'pin-job', '--json']);

    expect(pinned.stdout).toBe(`pin-job/${snapshot.id} is pinned\n`);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('(SNAPSHOT_PINNED)');
    expect(unpinned.json()).toEqual({ pinned: false });
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toBe(`deleted pin-job/${snapshot.id}\n`);
    expect(listed.json()).toEqual({ snapshots: [] });
  });
});

describe('restore', () => {
  it('restores into a relative target, and refuses a full one', async () => {
    const snapshot = await capture('restore-job', await makeWorkspace());
    const args = ['restore', 'restore-job', snapshot.id, 'restored'];

    const first = await cli(args, { cwd: work });
    const again = await cli(args, { cwd: work });
    const forced = await cli([...args, '--overwrite', '--json'], { cwd: work });

    const target = join(work, 'restored');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(
      `restored 2 files of restore-job/${snapshot.id} into ${target}\n`,
    );
    expect((await readdir(target)).sort()).toEqual([
      'marianne.log',
      'state.json',
    ]);
    expect(await readFile(join(target, 'marianne.log'), 'utf8')).toBe('done\n');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('(TARGET_NOT_EMPTY)');
    expect(forced.status).toBe(0);
    expect(forced.json()).toEqual({ restored: 2, target });
  });
});

describe('cleanup', () => {
  it('with --dry-run says what would go and why, and removes nothing', async () => {
    const workspace = await makeWorkspace();
    const older = await capture('clean-job', workspace);
    const newer = await capture('clean-job', workspace);
    const flags = ['--job', 'clean-job', '--max-age-hours', '0'];

    const dry = await cli([
      'cleanup',
      ...flags,
      '--keep-last',
      '1',
      '--dry-run',
    ]);
    const still = await cli(['list', 'clean-job', '--json']);

    expect(dry.status).toBe(0);
    expect(dry.stdout.split('\n').slice(0, 3)).toEqual([
      'would remove 1 snapshot, freeing 27 B:',
      expect.stringMatching(/^JOB +ID +REASON$/),
      expect.stringMatching(
        new RegExp(`^clean-job +${older.id} +older than 0 hours$`),
      ),
    ]);
    expect(still.json().snapshots).toHaveLength(2);

    const real = await cli(['cleanup', ...flags, '--json']);
    const gone = await cli(['list', 'clean-job', '--json']);

    expect(real.json()).toMatchObject({ removed: 2, freed_bytes: 54 });
    expect(gone.json()).toEqual({ snapshots: [] });
    expect(newer.id > older.id).toBe(true);
  });

  it('exits 2 when the daemon refuses a param as invalid', async () => {
    const run = await cli(['cleanup', '--keep-last', '99999999999999999999']);

    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/keep_last.*\(INVALID_PARAMS\)/);
  });
});

describe('output on a terminal', () => {
  // `script` runs the command on a pseudo-terminal, as a person's shell.
  function onTerminal(args: string[], env: Record<string, string> = {}) {
    const command = [process.execPath, CLI_PATH, ...args, '--socket']
      .concat(daemon.socket)
      .map((word) => `'${word}'`)
      .join(' ');
    const base = { ...process.env };
    delete base.NO_COLOR;
    return runProcess('script', ['-qec', command, '/dev/null'], {
      env: { ...base, ...env },
    });
  }

  it('shows progress on stderr and colours the result', async () => {
    await capture('tty-job', await makeWorkspace());

    const run = await onTerminal(['verify', 'tty-job']);

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('\r\u001b[2Kverify ');
    expect(run.stdout).toContain('\u001b[32mok\u001b[39m: ');
  });

  it('drops the colour when NO_COLOR is set', async () => {
    const run = await onTerminal(['verify', 'tty-job'], { NO_COLOR: '1' });

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ok: \d+ snapshots? match their manifests/);
    expect(run.stdout).not.toContain('\u001b[32m');
  });
});

describe('output for a pipe', () => {
  it('has no colour and no progress when not on a terminal', async () => {
    const workspace = await makeWorkspace();

    const run = await cli(['capture', 'plain-job', workspace]);
    const verify = await cli(['verify', 'plain-job']);

    const output = run.stdout + run.stderr + verify.stdout + verify.stderr;
    expect(output).not.toContain('\u001b');
    expect(output).not.toContain('\r');
  });
});

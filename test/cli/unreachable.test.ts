import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeStaleSocket } from '../support/stale-socket.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ms-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectUnreachable(
  run: { status: number | null; stdout: string; stderr: string },
  socket: string,
): void {
  expect(run.status).toBe(3);
  expect(run.stdout).toBe('');
  const [first] = run.stderr.split('\n');
  expect(first).toMatch(/^marianne-snapshot: no daemon at /);
  expect(first).toContain(socket);
  expect(first).toMatch(/\(DAEMON_UNREACHABLE\)$/);
  expect(run.stderr).toContain('marianne-snapshot serve');
}

describe('without a daemon', () => {
  it.each([
    ['health'],
    ['capture', 'job-1', '.'],
    ['list'],
    ['list', 'job-1'],
    ['show', 'job-1', '01A'],
    ['cleanup', '--dry-run'],
    ['delete', 'job-1', '01A'],
    ['verify'],
    ['restore', 'job-1', '01A', 'out'],
    ['diff', 'job-1', '01A', '01B'],
    ['pin', 'job-1', '01A'],
    ['unpin', 'job-1', '01A'],
  ])('%s exits 3 and says how to start one', async (...args) => {
    const socket = join(dir, 's.sock');

    const run = await runCli([...args, '--socket', socket]);

    expectUnreachable(run, socket);
    expect(run.stderr).toContain('the socket file does not exist');
    expect(run.stderr).toContain(`marianne-snapshot serve --socket ${socket}`);
  });

  it('tells a stale socket file from a missing one', async () => {
    const socket = join(dir, 's.sock');
    await makeStaleSocket(socket);

    const run = await runCli(['list', '--socket', socket, '--json']);

    expectUnreachable(run, socket);
    expect(run.stderr).toContain('nothing listens on it');
  });
});

describe('the socket it tries', () => {
  it('is MARIANNE_SNAPSHOT_SOCKET when no flag is given', async () => {
    const socket = join(dir, 'from-env.sock');

    const run = await runCli(['health'], {
      env: { MARIANNE_SNAPSHOT_SOCKET: socket },
    });

    expectUnreachable(run, socket);
  });

  it('is the flag when both are given', async () => {
    const socket = join(dir, 'from-flag.sock');

    const run = await runCli(['health', '--socket', socket], {
      env: { MARIANNE_SNAPSHOT_SOCKET: join(dir, 'from-env.sock') },
    });

    expectUnreachable(run, socket);
    expect(run.stderr).not.toContain('from-env');
  });

  it('is ~/.marianne/snapshot.sock by default', async () => {
    const run = await runCli(['health'], { env: { HOME: dir } });

    expectUnreachable(run, join(dir, '.marianne', 'snapshot.sock'));
    expect(run.stderr).toContain(
      'Start a daemon with `marianne-snapshot serve`',
    );
  });

  it.each([
    ['~/x.sock', (home: string) => join(home, 'x.sock')],
    ['rel/x.sock', (_: string, cwd: string) => join(cwd, 'rel/x.sock')],
  ])('expands %s', async (given, expected) => {
    const cwd = join(dir, 'cwd');
    await mkdir(cwd);

    const run = await runCli(['health', '--socket', given], {
      cwd,
      env: { HOME: dir },
    });

    expectUnreachable(run, expected(dir, cwd));
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// Usage is checked before any daemon is asked, so these need none: the
// socket named here does not exist, and reaching it would exit 3.
const socket = ['--socket', '/nonexistent/marianne/s.sock'];

describe('bad usage', () => {
  it.each([
    [
      'an unknown option',
      ['list', '--bogus'],
      "unknown option '--bogus'",
      'list',
    ],
    [
      'a missing argument',
      ['capture', 'job-1'],
      "missing required argument 'workspace'",
      'capture',
    ],
    ['a bad number', ['list', 'job-1', '--limit', 'x'], 'whole number', 'list'],
    ['a zero limit', ['list', 'job-1', '--limit', '0'], 'above 0', 'list'],
    [
      'a negative age',
      ['cleanup', '--max-age-hours', '-3'],
      'number of hours',
      'cleanup',
    ],
    ['a bad size', ['cleanup', '--max-total-bytes', 'big'], '800MB', 'cleanup'],
    ['a job id that climbs out', ['show', '../etc', '01A'], 'job_id', 'show'],
    ['a snapshot id with a slash', ['show', 'job-1', 'a/b'], 'id must', 'show'],
    ['too many arguments', ['pin', 'job-1', '01A', 'extra'], 'too many', 'pin'],
    ['--limit without a job', ['list', '--limit', '3'], 'name the job', 'list'],
    ['an unknown command', ['snapshot'], "unknown command 'snapshot'", ''],
  ])('exits 2 on %s, and says what is wrong', async (_, args, says, cmd) => {
    const run = await runCli([...args, ...socket]);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const [first, hint] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^marianne-snapshot: .* \(USAGE\)$/);
    expect(first).toContain(says);
    expect(hint).toBe(
      `  See \`marianne-snapshot${cmd ? ` ${cmd}` : ''} --help\`.`,
    );
  });

  it('exits 2 with the usage when no command is given', async () => {
    const run = await runCli([]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: marianne-snapshot');
  });
});

describe('help', () => {
  it.each([
    'health',
    'capture',
    'list',
    'show',
    'cleanup',
    'delete',
    'verify',
    'restore',
    'diff',
    'pin',
    'unpin',
  ])('shows an example and the shared options for %s', async (command) => {
    const run = await runCli([command, '--help']);

    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Usage: marianne-snapshot ${command}`);
    expect(run.stdout).toMatch(
      new RegExp(`Example:\\n  \\$ marianne-snapshot ${command}`),
    );
    expect(run.stdout).toContain('--socket <path>');
    expect(run.stdout).toContain('MARIANNE_SNAPSHOT_SOCKET');
    expect(run.stdout).toContain('--json');
  });

  it('prints the version', async () => {
    const run = await runCli(['--version']);

    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

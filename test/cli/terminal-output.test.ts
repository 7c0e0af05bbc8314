import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/cli.js';
import { CLI_PATH } from '../support/daemon.js';
import { startCliFixture, type CliFixture } from '../support/cli-fixture.js';

let fixture: CliFixture;

beforeAll(async () => {
  fixture = await startCliFixture();
});

afterAll(async () => {
  await fixture?.dispose();
});

describe('output on a terminal', () => {
  // `script` runs the command on a pseudo-terminal, as a person's shell.
  function onTerminal(args: string[], env: Record<string, string> = {}) {
    const command = [process.execPath, CLI_PATH, ...args, '--socket']
      .concat(fixture.daemon.socket)
      .map((word) => `'${word}'`)
      .join(' ');
    const base = { ...process.env };
    delete base.NO_COLOR;
    return runProcess('script', ['-qec', command, '/dev/null'], {
      env: { ...base, ...env },
    });
  }

  it('shows progress on stderr and colours the result', async () => {
    await fixture.capture('tty-job', await fixture.makeWorkspace());

    const run = await onTerminal(['verify', 'tty-job']);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('\r\u001b[2Kverify ');
    expect(run.stdout).toContain('\u001b[32mok\u001b[39m: ');
  });

  it('drops the colour when NO_COLOR is set', async () => {
    const run = await onTerminal(['verify', 'tty-job'], { NO_COLOR: '1' });

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ok: \d+ snapshots? match their manifests/);
    expect(run.stdout).not.toContain('\u001b[32m');
  });
});

describe('output for a pipe', () => {
  it('has no colour and no progress when not on a terminal', async () => {
    const workspace = await fixture.makeWorkspace();

    const run = await fixture.cli(['capture', 'plain-job', workspace]);
    const verify = await fixture.cli(['verify', 'plain-job']);

    const output = run.stdout + run.stderr + verify.stdout + verify.stderr;
    expect(output).not.toContain('\u001b');
    expect(output).not.toContain('\r');
  });
});

describe('output for a reader that leaves', () => {
  it('stops quietly when its stdout pipe closes early', async () => {
    await fixture.capture('pipe-job', await fixture.makeWorkspace());
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'list', 'pipe-job', '--socket', fixture.daemon.socket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });

    const [status] = (await once(child, 'close')) as [number | null];

    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH, makeTempRoot, pause } from '../support/daemon.js';
import { exchange, parseLines, type Json } from '../support/raw-socket.js';

const roots: string[] = [];
const children: ReturnType<typeof spawn>[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  for (const root of roots.splice(0)) {
    await rm(root, { recursive: true, force: true });
  }
});

async function newRoot(): Promise<string> {
  const root = await makeTempRoot();
  roots.push(root);
  return root;
}

// Runs `serve` with a home folder and environment of the test's choosing.
function serve(home: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [CLI_PATH, 'serve', '--cleanup-interval-minutes', '0', ...args],
    {
      env: { PATH: process.env.PATH, HOME: home, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  return { child, stderr: () => stderr };
}

async function health(socket: string): Promise<Json> {
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      const output = await exchange(
        socket,
        '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n',
      );
      return parseLines(output)[0].result;
    } catch {
      await pause(25);
    }
  }
  throw new Error(`no daemon answered on ${socket}`);
}

describe('where serve listens and stores', () => {
  it('defaults to ~/.marianne, creating the folder 0700', async () => {
    const home = await newRoot();

    serve(home, []);
    const result = await health(join(home, '.marianne', 'snapshot.sock'));

    expect(result.snapshot_dir).toBe(join(home, '.marianne', 'snapshots'));
    expect((await stat(join(home, '.marianne'))).mode & 0o777).toBe(0o700);
  });

  it('takes the environment over the defaults', async () => {
    const home = await newRoot();
    const socket = join(home, 'env.sock');
    const dir = join(home, 'env-store');

    serve(home, [], {
      MARIANNE_SNAPSHOT_SOCKET: socket,
      MARIANNE_SNAPSHOT_DIR: dir,
    });

    expect(await health(socket)).toMatchObject({ socket, snapshot_dir: dir });
  });

  it('takes flags over the environment, expanding ~', async () => {
    const home = await newRoot();

    serve(home, ['--socket', '~/flag.sock', '--dir', '~/flag-store'], {
      MARIANNE_SNAPSHOT_SOCKET: join(home, 'env.sock'),
      MARIANNE_SNAPSHOT_DIR: join(home, 'env-store'),
    });

    expect(await health(join(home, 'flag.sock'))).toMatchObject({
      socket: join(home, 'flag.sock'),
      snapshot_dir: join(home, 'flag-store'),
    });
  });

  it.each([
    ['--max-connections', 'many'],
    ['--idle-timeout-seconds', '-1'],
    ['--max-message-bytes', '1.5'],
  ])('refuses %s %s with a message', async (flag, value) => {
    const home = await newRoot();

    const { child, stderr } = serve(home, [flag, value]);
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).not.toBe(0);
    expect(stderr()).toMatch(/expected a (whole|non-negative) number/);
  });
});

import {
  lstat,
  mkdir,
  readFile,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  makeTempRoot,
  startDaemonProcess,
  waitForExit,
  type DaemonProcess,
} from '../support/daemon.js';
import { exchange, parseLines } from '../support/raw-socket.js';
import { makeStaleSocket } from '../support/stale-socket.js';

const fixtures: DaemonProcess[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0).reverse()) await fixture.dispose();
});

async function start(
  options: Parameters<typeof startDaemonProcess>[0] = {},
): Promise<DaemonProcess> {
  const fixture = await startDaemonProcess(options);
  fixtures.push(fixture);
  return fixture;
}

async function healthPid(socket: string): Promise<number> {
  const output = await exchange(
    socket,
    '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n',
  );
  return Number(parseLines(output)[0].result.pid);
}

describe('the socket file', () => {
  it('is 0600 inside a folder created 0700', async () => {
    const { socket } = await start();

    expect((await lstat(socket)).mode & 0o777).toBe(0o600);
    expect((await stat(join(socket, '..'))).mode & 0o777).toBe(0o700);
  });

  it('takes over a socket left by a process that died', async () => {
    const root = await makeTempRoot();
    const socket = join(root, 'stale.sock');
    await makeStaleSocket(socket);

    const fixture = await start({ root, socket });

    expect(await healthPid(socket)).toBe(fixture.child.pid);
    expect(fixture.events('daemon.stale_socket_removed')).toHaveLength(1);
  });

  it('starts again after a daemon was killed outright', async () => {
    const first = await start();
    await first.stop('SIGKILL');

    const second = await start({ root: first.root, socket: first.socket });

    expect(await healthPid(second.socket)).toBe(second.child.pid);
  });

  it('refuses to start while another daemon answers on the socket', async () => {
    const first = await start();

    const second = await start({
      root: first.root,
      socket: first.socket,
      wait: false,
    });

    expect(await waitForExit(second.child)).toBe(1);
    expect(second.stderr()).toMatch(/another daemon .* already/);
    expect(await healthPid(first.socket)).toBe(first.child.pid);
  });

  it('refuses to replace a path that is not a socket', async () => {
    const root = await makeTempRoot();
    const socket = join(root, 'notes.txt');
    await writeFile(socket, 'keep me');

    const fixture = await start({ root, socket, wait: false });

    expect(await waitForExit(fixture.child)).toBe(1);
    expect(fixture.stderr()).toMatch(/exists and is not a socket/);
    expect(await readFile(socket, 'utf8')).toBe('keep me');
  });

  it('says which store it cannot open, and exits 1', async () => {
    const root = await makeTempRoot();
    await writeFile(join(root, 'store'), 'a file where the store should be');

    const fixture = await start({ root, wait: false });

    expect(await waitForExit(fixture.child)).toBe(1);
    expect(fixture.stderr()).toMatch(/cannot open the store at .*store/);
    await expect(lstat(fixture.socket)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a path too long for a Unix socket', async () => {
    const root = await makeTempRoot();
    const socket = join(root, 'd'.repeat(60), 's'.repeat(60) + '.sock');

    const fixture = await start({ root, socket, wait: false });

    expect(await waitForExit(fixture.child)).toBe(1);
    expect(fixture.stderr()).toMatch(
      /longer than the 107 a Unix socket allows/,
    );
  });

  it('lets exactly one of two daemons started together serve', async () => {
    const root = await makeTempRoot();
    const socket = join(root, 'race.sock');
    const a = await start({ root, socket, wait: false });
    const b = await start({ root: await makeTempRoot(), socket, wait: false });

    const loser = await Promise.race([
      waitForExit(a.child).then(() => a),
      waitForExit(b.child).then(() => b),
    ]);
    const winner = loser === a ? b : a;
    const pid = await healthPid(await waitForSocket(socket));

    expect(loser.child.exitCode).toBe(1);
    expect(pid).toBe(winner.child.pid);
    expect(winner.child.exitCode).toBeNull();
  });

  it('removes only the socket it created when it stops', async () => {
    const fixture = await start();
    await unlink(fixture.socket);
    await writeFile(fixture.socket, 'someone else');

    expect(await fixture.stop('SIGTERM')).toBe(0);

    expect(await readFile(fixture.socket, 'utf8')).toBe('someone else');
  });
});

async function waitForSocket(socket: string): Promise<string> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      await healthPid(socket);
      return socket;
    } catch {
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  throw new Error(`nothing answered on ${socket}`);
}

describe('the socket folder', () => {
  it('is created when missing, several levels deep', async () => {
    const root = await makeTempRoot();
    const socket = join(root, 'a', 'b', 's.sock');
    await mkdir(root, { recursive: true });

    await start({ root, socket });

    expect((await stat(join(root, 'a', 'b'))).mode & 0o777).toBe(0o700);
  });
});

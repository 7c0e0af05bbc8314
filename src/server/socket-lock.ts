/**
 * One daemon per socket, even when two start at the same moment. On Linux
 * the lock is a socket in the abstract namespace named after the socket
 * path: binding it is atomic and the kernel releases it when the process
 * dies, so a crash never leaves a lock behind. Elsewhere a `<socket>.lock`
 * file created exclusively holds the pid; a lock whose pid is gone is taken
 * over, and two daemons taking over the same dead lock at the same instant
 * could both proceed there. The abstract namespace has no permissions: a
 * local user who binds the same name first can keep the daemon from
 * starting (it then says another daemon holds the lock), though not talk
 * to it, since the socket file itself stays 0600.
 */
import { createHash } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { DaemonStartError } from './daemon-start-error.js';

export interface SocketLock {
  release(): Promise<void>;
}

export async function acquireSocketLock(
  socketPath: string,
): Promise<SocketLock> {
  return process.platform === 'linux'
    ? acquireAbstractLock(socketPath)
    : acquireLockFile(`${socketPath}.lock`);
}

function refuse(socketPath: string, holder: string): DaemonStartError {
  return new DaemonStartError(
    `another daemon (${holder}) is already serving or starting on ` +
      `${socketPath}; stop it first or choose another --socket`,
  );
}

async function acquireAbstractLock(socketPath: string): Promise<SocketLock> {
  const digest = createHash('sha256').update(socketPath).digest('hex');
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(`\0marianne-snapshot/${digest}`, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw refuse(socketPath, 'holding its lock');
    }
    throw error;
  }
  server.unref();
  return { release: () => closeServer(server) };
}

async function acquireLockFile(
  lockPath: string,
  retry = true,
): Promise<SocketLock> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return { release: () => unlink(lockPath).catch(() => undefined) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }

  const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
  if (retry && !isProcessAlive(pid)) {
    await unlink(lockPath).catch(() => undefined);
    return acquireLockFile(lockPath, false);
  }
  throw refuse(lockPath.replace(/\.lock$/, ''), `pid ${pid}`);
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

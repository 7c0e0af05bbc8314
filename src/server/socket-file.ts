/**
 * The socket file's life: a path Node can bind whole, a folder only the
 * owner can enter, a stale file taken over, a live daemon or a foreign file
 * left alone, and on exit only the socket this daemon made removed.
 */
import { chmod, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { DaemonStartError } from './daemon-start-error.js';
import type { Logger } from './logger.js';

// sockaddr_un holds 108 bytes with the terminating NUL; Node silently
// truncates a longer path and binds the truncated name.
const MAX_SOCKET_PATH_BYTES = 107;

export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new DaemonStartError(
      `socket path is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} ` +
        `a Unix socket allows: ${path}; choose a shorter --socket`,
    );
  }
}

export async function createSocketFolder(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
}

/** Whether something accepts connections on the socket path. */
export function isSocketAnswering(
  path: string,
  timeoutMs = 2000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    const timer = setTimeout(() => finish(true), timeoutMs);
    function finish(answering: boolean): void {
      clearTimeout(timer);
      probe.destroy();
      resolve(answering);
    }
    probe.once('connect', () => finish(true));
    probe.once('error', () => finish(false));
  });
}

/**
 * Makes way for the new socket: nothing there is fine, a socket nobody
 * answers on is a crash's leftover and removed; anything else stops the
 * start.
 */
export async function clearStaleSocket(
  path: string,
  log: Logger,
): Promise<void> {
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!existing) return;

  if (!existing.isSocket()) {
    throw new DaemonStartError(
      `${path} exists and is not a socket; refusing to replace it. ` +
        'Move it away or choose another --socket',
    );
  }
  if (await isSocketAnswering(path)) {
    throw new DaemonStartError(
      `another daemon is already answering on ${path}; ` +
        'stop it first or choose another --socket',
    );
  }

  await unlink(path);
  log.info({ socket: path }, 'daemon.stale_socket_removed');
}

/**
 * Binds with a umask that leaves the socket 0600 from its first moment, so
 * there is no window where another user could connect. The socket is bound
 * under a private name and renamed into place: the rename is atomic, and
 * Node removes the name it bound when the server closes, which must never
 * be a path someone else may own by then. Returns the inode so that only
 * this socket is removed on exit.
 */
export async function listenPrivately(
  server: Server,
  path: string,
): Promise<number> {
  const bindPath = await choosePrivateName(path);
  await new Promise<void>((resolve, reject) => {
    const previous = process.umask(0o177);
    try {
      server.once('error', reject);
      // Node's default backlog (511) turns a burst of connections into
      // EAGAIN for the clients; the kernel caps this at somaxconn.
      server.listen({ path: bindPath, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });

  await chmod(bindPath, 0o600);
  if (bindPath !== path) await rename(bindPath, path);
  return (await lstat(path)).ino;
}

// A name beside the socket that only this process uses; the socket's own
// path when that name would not fit in a socket address.
async function choosePrivateName(path: string): Promise<string> {
  const candidate = join(dirname(path), `.ms-${process.pid}.sock`);
  if (Buffer.byteLength(candidate) > MAX_SOCKET_PATH_BYTES) return path;

  const leftover = await lstat(candidate).catch(() => undefined);
  if (!leftover) return candidate;
  if (!leftover.isSocket()) return path;

  await unlink(candidate);
  return candidate;
}

export async function removeSocketIfOurs(
  path: string,
  inode: number,
): Promise<void> {
  const current = await lstat(path).catch(() => undefined);
  if (current?.isSocket() && current.ino === inode) await unlink(path);
}

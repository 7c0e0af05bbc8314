/**
 * The real daemon as a process on a temp socket and temp store, started
 * from the built `dist/` (npm test builds first). Each fixture owns its
 * folder and removes it, so test files run in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI_PATH = resolve(
  import.meta.dirname,
  '../../dist/src/cli/main.js',
);

export interface DaemonProcess {
  /** The fixture's own temp folder; removed by dispose. */
  root: string;
  storeDir: string;
  socket: string;
  child: ChildProcess;
  /** Everything the daemon wrote to stderr so far (pino JSON lines). */
  stderr(): string;
  /** The log events with this message. */
  events(msg: string): Record<string, unknown>[];
  /** Resolves when an event with this message (and fields) is logged. */
  waitForEvent(
    msg: string,
    fields?: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  dispose(): Promise<void>;
}

export interface DaemonProcessOptions {
  /** Extra `serve` flags, e.g. `['--max-connections', '2']`. */
  args?: string[];
  /** Reuse a folder instead of making one (it is still removed). */
  root?: string;
  socket?: string;
  /** Do not wait for the socket to answer (for start failures). */
  wait?: boolean;
}

export async function makeTempRoot(): Promise<string> {
  // Short: a socket path must fit in 107 bytes.
  return mkdtemp(join(tmpdir(), 'ms-'));
}

export async function startDaemonProcess(
  options: DaemonProcessOptions = {},
): Promise<DaemonProcess> {
  const root = options.root ?? (await makeTempRoot());
  const storeDir = join(root, 'store');
  const socket = options.socket ?? join(root, 'run', 'snapshot.sock');
  const child = spawn(
    process.execPath,
    [
      CLI_PATH,
      'serve',
      '--dir',
      storeDir,
      '--socket',
      socket,
      '--log-level',
      'debug',
      '--cleanup-interval-minutes',
      '0',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const events = (msg: string): Record<string, unknown>[] =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((event) => event.msg === msg);

  const fixture: DaemonProcess = {
    root,
    storeDir,
    socket,
    child,
    stderr: () => stderr,
    events,
    waitForEvent: async (msg, fields = {}) => {
      for (;;) {
        const found = events(msg).find((event) =>
          Object.entries(fields).every(([key, value]) => event[key] === value),
        );
        if (found) return found;
        if (child.exitCode !== null) {
          throw new Error(`daemon exited before ${msg}:\n${stderr}`);
        }
        await pause(20);
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(root, { recursive: true, force: true });
    },
  };

  if (options.wait !== false) {
    await waitUntilAnswering(socket, child, () => stderr);
  }
  return fixture;
}

export function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return once(child, 'exit').then(([code]) => code as number | null);
}

async function waitUntilAnswering(
  socket: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`daemon exited with ${child.exitCode}:\n${stderr()}`);
    }
    if (await canConnect(socket)) return;
    await pause(25);
  }
  throw new Error(`daemon did not answer on ${socket}:\n${stderr()}`);
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
}

export function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Starts the real daemon as a child process on a given store and socket,
 * waits until it answers, and stops or kills it. Used by the benchmarks
 * and the reliability suite, which must observe the daemon from outside.
 */
import { spawn } from 'node:child_process';
import { CLI_PATH } from './project-paths.js';
import { readMemory, type MemorySample } from './process-memory.js';
import { RpcConnection } from './rpc-connection.js';

export interface DaemonOptions {
  dir: string;
  socket: string;
  /** Extra `serve` flags, e.g. `['--max-connections', '50']`. */
  flags?: string[];
  /** Pino level; `warn` keeps the output of a busy run small. */
  logLevel?: string;
  /** How long to wait for the first answer. */
  readyTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  readonly pid: number;
  readonly socket: string;
  readonly dir: string;
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  /** The last few KiB the daemon wrote to stderr. */
  stderrTail(): string;
  memory(): MemorySample | null;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** SIGKILL: a crash, as far as the store can tell. */
  kill(): Promise<ExitStatus>;
}

const STDERR_KEEP = 16 * 1024;

export async function startDaemon(
  options: DaemonOptions,
): Promise<DaemonProcess> {
  const args = [
    CLI_PATH,
    'serve',
    '--dir',
    options.dir,
    '--socket',
    options.socket,
    '--log-level',
    options.logLevel ?? 'warn',
    ...(options.flags ?? []),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });

  const waitForExit = async (graceMs: number): Promise<boolean> => {
    const timer = new Promise((r) => setTimeout(r, graceMs, 'timeout'));
    return (await Promise.race([exited, timer])) !== 'timeout';
  };
  const daemon: DaemonProcess = {
    pid: child.pid ?? -1,
    socket: options.socket,
    dir: options.dir,
    exited,
    isRunning: () => running,
    stderrTail: () => stderr,
    memory: () => readMemory(child.pid ?? -1),
    async stop(graceMs = 15_000) {
      if (running) child.kill('SIGTERM');
      if (!(await waitForExit(graceMs))) child.kill('SIGKILL');
      return exited;
    },
    async kill() {
      if (running) child.kill('SIGKILL');
      return exited;
    },
  };

  try {
    await waitUntilAnswering(daemon, options.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await daemon.kill();
    throw err;
  }
  return daemon;
}

// Polls daemon.health until it answers, the process dies or time is up.
async function waitUntilAnswering(
  daemon: DaemonProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!daemon.isRunning()) {
      throw new Error(
        `daemon exited before answering: ${daemon.stderrTail().slice(-2000)}`,
      );
    }
    try {
      const connection = await RpcConnection.open(daemon.socket, {
        timeoutMs: 1_000,
      });
      try {
        await connection.call('daemon.health', {}, { timeoutMs: 2_000 });
        return;
      } finally {
        connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(
    `daemon did not answer on ${daemon.socket} within ${timeoutMs} ms ` +
      `(${String(lastError)}): ${daemon.stderrTail().slice(-2000)}`,
  );
}

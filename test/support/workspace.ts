/**
 * Real workspaces for store tests: temp folders with files, git
 * repositories, links, FIFOs and sockets. Each `TempRoot` owns one folder
 * and removes it on dispose, so test files can run in parallel.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';

const run = promisify(execFile);

export interface TempRoot {
  root: string;
  /** `root/workspace`, created empty. */
  workspace: string;
  /** `root/store`, not created: the store makes it. */
  storeDir: string;
  dispose(): Promise<void>;
}

export async function makeTempRoot(prefix = 'ms-store-'): Promise<TempRoot> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const workspace = join(root, 'workspace');

  await mkdir(workspace);
  return {
    root,
    workspace,
    storeDir: join(root, 'store'),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** A temp root and a store inside it, as each store test starts. */
export interface TempStore {
  temp: TempRoot;
  store: SnapshotManager;
}

/**
 * Gives each test of the calling suite a fresh temp root and store (handed
 * to `receive` before the test runs), and closes and removes them after it.
 */
export function useTempStore(receive: (fixture: TempStore) => void): void {
  let fixture: TempStore | undefined;

  beforeEach(async () => {
    const temp = await makeTempRoot();
    fixture = { temp, store: new SnapshotManager({ baseDir: temp.storeDir }) };
    receive(fixture);
  });
  afterEach(async () => {
    await fixture?.store.close();
    await fixture?.temp.dispose();
  });
}

/** Writes files (name -> content) under `dir`, creating folders. */
export async function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** Sets a file's modification (and access) time. */
export async function setMtime(path: string, date: Date): Promise<void> {
  await utimes(path, date, date);
}

/** git with a fixed identity and no user or system config. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
  return stdout;
}

/** A repository on branch `main`, with one commit of what is there. */
export async function initRepo(
  dir: string,
  options: { commit?: boolean } = {},
): Promise<void> {
  await git(dir, 'init', '-q', '-b', 'main');
  if (options.commit === false) return;
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
}

export async function mkfifo(path: string): Promise<void> {
  await run('mkfifo', [path]);
}

/** A listening Unix socket at `path`; close it when done. */
export async function listenOnSocket(path: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return server;
}

/** Observer timeline lines, one JSON record per event type given. */
export function observerLines(events: (string | null)[]): string {
  return events
    .map((event) => JSON.stringify(event === null ? {} : { event }))
    .map((line) => `${line}\n`)
    .join('');
}

/** A logger whose events can be read back as parsed JSON lines. */
export function captureLogs(): { logger: Logger; events: LogEvent[] } {
  const events: LogEvent[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => events.push(JSON.parse(line) as LogEvent) },
  );
  return { logger, events };
}

export interface LogEvent {
  msg: string;
  level: number;
  [field: string]: unknown;
}

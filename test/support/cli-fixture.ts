/**
 * A real daemon on its own temp store and socket, with the command line
 * pointed at it: what the command tests run against.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ResultOf, Snapshot } from '../../protocol/index.js';
import { runCli, type CliOptions, type CliRun } from './cli.js';
import { startDaemonProcess, type DaemonProcess } from './daemon.js';
import { writeFiles } from './workspace.js';

export interface CliFixture {
  daemon: DaemonProcess;
  /** A folder for workspaces and restore targets, inside the fixture's. */
  work: string;
  /** Runs the command with `--socket` set to this daemon. */
  cli(args: string[], options?: CliOptions): Promise<CliRun>;
  /** A fresh workspace holding these files (two small ones by default). */
  makeWorkspace(files?: Record<string, string>): Promise<string>;
  /** Captures through the command line and returns the snapshot. */
  capture(jobId: string, workspace: string): Promise<Snapshot>;
  dispose(): Promise<void>;
}

/** The default workspace: 27 bytes in two files. */
export const DEFAULT_FILES = {
  'state.json': '{"status":"completed"}',
  'marianne.log': 'done\n',
};

export async function startCliFixture(): Promise<CliFixture> {
  const daemon = await startDaemonProcess();
  const work = join(daemon.root, 'work');
  await mkdir(work);
  let workspaces = 0;

  const fixture: CliFixture = {
    daemon,
    work,
    cli: (args, options = {}) =>
      runCli([...args, '--socket', daemon.socket], options),
    async makeWorkspace(files = DEFAULT_FILES) {
      const workspace = join(work, `ws-${++workspaces}`);
      await mkdir(workspace);
      await writeFiles(workspace, files);
      return workspace;
    },
    async capture(jobId, workspace) {
      const run = await fixture.cli(['capture', jobId, workspace, '--json']);
      expect(run.status, run.stderr).toBe(0);
      return run.json<ResultOf<'snapshot.capture'>>().snapshot!;
    },
    dispose: () => daemon.dispose(),
  };
  return fixture;
}

/**
 * Runs the built `marianne-snapshot` command as a process, the way a
 * person or a script does, and collects its exit status and output.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI_PATH } from './daemon.js';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CliOptions {
  cwd?: string;
  /** Added to this environment, less its MARIANNE_SNAPSHOT_SOCKET. */
  env?: Record<string, string>;
}

export async function runCli(
  args: string[],
  options: CliOptions = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.MARIANNE_SNAPSHOT_SOCKET) {
    delete env.MARIANNE_SNAPSHOT_SOCKET;
  }
  return runProcess(process.execPath, [CLI_PATH, ...args], {
    ...options,
    env,
  });
}

/** Runs any program to its end, output collected. */
export async function runProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });

  const [status] = (await once(child, 'close')) as [number | null];
  return {
    status,
    stdout,
    stderr,
    json: <T>() => {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`not one JSON document (exit ${status}): ${stderr}`);
      }
    },
  };
}

/**
 * The workspace's git context, as the original recorded it: HEAD's sha,
 * its branch and `git status --porcelain`. Best effort: when git is
 * missing, slow, or the workspace is in no repository with a commit, the
 * snapshot is taken without it.
 *
 * git runs through execFile rather than simple-git: simple-git 4 refuses
 * any `-c core.fsmonitor=...` unless its allowUnsafeFsMonitor escape is
 * set, and its timeout only fires while git prints nothing; execFile gives
 * a hard deadline, cancellation, and stdout byte for byte.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { GitContext } from '../../protocol/index.js';

export const DEFAULT_GIT_TIMEOUT_MS = 5_000;

export interface GitContextOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
  jobId: string;
}

/**
 * Keeps git from writing (no optional index lock), from running a
 * repository's fsmonitor or hooks, and from being pointed elsewhere by
 * the daemon's own GIT_* environment: only the workspace decides.
 */
function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};

  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

const SAFE_CONFIG = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
];

function runGit(
  workspace: string,
  args: string[],
  options: GitContextOptions,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, '-C', workspace, ...args],
      {
        env: gitEnvironment(),
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        signal: options.signal,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout) => {
        if (err) reject(err instanceof Error ? err : new Error(err.message));
        else resolve(stdout);
      },
    );
  });
}

// Why git gave nothing, in a word a log search can group by.
function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; killed?: boolean; name?: string };

  if (e.name === 'AbortError') return 'cancelled';
  if (e.code === 'ENOENT') return 'git_not_found';
  if (e.killed) return 'timeout';
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'output_too_big';
  return 'not_a_repository';
}

/** Two git runs, in parallel: HEAD with its branch, and the status. */
export async function readGitContext(
  workspace: string,
  options: GitContextOptions,
): Promise<GitContext | null> {
  const [head, status] = await Promise.allSettled([
    runGit(workspace, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD'], options),
    runGit(workspace, ['status', '--porcelain'], options),
  ]);

  if (head.status === 'fulfilled' && status.status === 'fulfilled') {
    const [headSha = '', branch = ''] = head.value.split('\n');
    if (/^[0-9a-f]{40,64}$/.test(headSha) && branch !== '') {
      // The status stays exactly as git printed it: " M file" keeps its
      // leading space, which says the change is not staged.
      return { head_sha: headSha, branch, status: status.value };
    }
  }

  const failure: unknown =
    head.status === 'rejected'
      ? head.reason
      : status.status === 'rejected'
        ? status.reason
        : new Error('unexpected rev-parse output');
  options.logger.info(
    { job_id: options.jobId, workspace, reason: reasonOf(failure) },
    'snapshot.git_unavailable',
  );
  return null;
}

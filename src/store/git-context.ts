/**
 * The workspace's git context, as the original recorded it: HEAD's sha,
 * its branch and `git status --porcelain`. Best effort: when git is
 * missing, slow, or the workspace is in no repository with a commit, the
 * snapshot is taken without it.
 *
 * git runs through execFile rather than simple-git: simple-git 4 refuses
 * any `-c core.fsmonitor=...` unless its allowUnsafeFsMonitor escape is
 * set, and its timeout only fires while git prints nothing; a plain spawn
 * gives a hard deadline, cancellation, and stdout byte for byte.
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { GitContext } from '../../protocol/index.js';
import { errnoOf } from './store-errors.js';

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

/**
 * Both questions from one spawn: starting a process costs the daemon a
 * blocking fork each time (17 ms and more when the machine is busy), so
 * one shell starts `git rev-parse` in the background, its answer sent to
 * the shell's stderr, and becomes `git status`, whose answer is stdout.
 * Both run at once, as two spawns did. The shell and both gits share a
 * process group, killed whole on timeout or cancel.
 */
const SCRIPT =
  'git "$@" rev-parse HEAD --abbrev-ref HEAD 1>&2 2>/dev/null &\n' +
  'exec git "$@" status --porcelain 2>/dev/null\n';

/** The shell's status when it found no git to run. */
const COMMAND_NOT_FOUND = 127;

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

class GitFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function runGit(
  workspace: string,
  options: GitContextOptions,
): Promise<{ head: string; status: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new GitFailure('cancelled'));
      return;
    }
    const child = spawn(
      '/bin/sh',
      ['-c', SCRIPT, 'git-context', ...SAFE_CONFIG, '-C', workspace],
      {
        env: gitEnvironment(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const status: Buffer[] = [];
    const head: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;

    const stop = (reason: string) => {
      failure ??= reason;
      killGroup(child.pid);
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) stop('output_too_big');
      else into.push(chunk);
    };
    child.stdout.on('data', collect(status));
    child.stderr.on('data', collect(head));
    child.on('error', (err) => {
      failure ??= errnoOf(err) === 'ENOENT' ? 'git_not_found' : 'spawn_failed';
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure === undefined && code === COMMAND_NOT_FOUND) {
        failure = 'git_not_found';
      }
      if (failure === undefined && code !== 0) failure = 'not_a_repository';
      if (failure !== undefined) {
        reject(new GitFailure(failure));
        return;
      }
      // rev-parse's own failure shows as output that is not a sha.
      resolve({
        head: Buffer.concat(head).toString('utf8'),
        status: Buffer.concat(status).toString('utf8'),
      });
    });
  });
}

// The shell leads its own group: git and anything git started go too.
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** HEAD with its branch, and the status, from one git process group. */
export async function readGitContext(
  workspace: string,
  options: GitContextOptions,
): Promise<GitContext | null> {
  let reason: string;

  try {
    const { head, status } = await runGit(workspace, options);
    const [headSha = '', branch = ''] = head.split('\n');
    if (/^[0-9a-f]{40,64}$/.test(headSha) && branch !== '') {
      // The status stays exactly as git printed it: " M file" keeps its
      // leading space, which says the change is not staged.
      return { head_sha: headSha, branch, status };
    }
    reason = 'not_a_repository';
  } catch (err) {
    reason = err instanceof GitFailure ? err.reason : 'not_a_repository';
  }

  options.logger.info(
    { job_id: options.jobId, workspace, reason },
    'snapshot.git_unavailable',
  );
  return null;
}

/**
 * One capture, start to finish: scan the workspace, copy what matches
 * into a staging snapshot (a few files at a time), add the config, the
 * git context and the observer summary, write the manifest, and make it
 * visible in one step. Whatever goes wrong, nothing partial stays.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ProgressValue } from '../../protocol/index.js';
import type { CaptureOutcome } from './api.js';
import type { SnapshotWriter, StoreBackend } from './backend.js';
import { copyAll, type CopyJob } from './copy-batch.js';
import type { Catalog } from './catalog.js';
import { placeConfig } from './config-placement.js';
import { readGitContext } from './git-context.js';
import {
  GIT_CONTEXT_FILE,
  OBSERVER_SUMMARY_FILE,
  timestampOf,
} from './layout.js';
import type { Manifest } from './manifest.js';
import { MANIFEST_FORMAT, sizeOfManifest } from './manifest.js';
import { OBSERVER_TIMELINE, ObserverCounter } from './observer-summary.js';
import { cancelledError } from './store-errors.js';
import { decodeUlidTime, createUlid } from './ulid.js';
import type { WorkspaceFile } from './workspace-scan.js';
import { scanWorkspace } from './workspace-scan.js';

export interface CaptureRequest {
  backend: StoreBackend;
  catalog: Catalog;
  logger: Logger;
  jobId: string;
  /** Absolute. */
  workspace: string;
  /** Absolute, when given. */
  configPath?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ProgressValue) => void;
  gitTimeoutMs: number;
  copyConcurrency: number;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

export async function captureWorkspace(
  request: CaptureRequest,
): Promise<CaptureOutcome> {
  const { jobId, workspace, logger, signal } = request;
  const started = performance.now();

  throwIfCancelled(signal);
  const scan = await scanWorkspace(workspace);
  if (scan === null) {
    logger.warn({ job_id: jobId, workspace }, 'snapshot.workspace_missing');
    return { snapshot: null, reason: 'workspace_missing' };
  }
  for (const skipped of scan.skipped) {
    logger.debug({ job_id: jobId, ...skipped }, 'snapshot.skipped');
  }
  if (scan.files.length === 0) {
    logger.info({ job_id: jobId, workspace }, 'snapshot.empty');
    return { snapshot: null, reason: 'nothing_to_capture' };
  }

  const id = createUlid();
  const writer = await request.backend.beginSnapshot(jobId, id);
  // git runs while the files are copied.
  const git = readGitContext(workspace, {
    timeoutMs: request.gitTimeoutMs,
    signal,
    logger,
    jobId,
  });

  try {
    const outcome = await fillSnapshot(request, writer, {
      id,
      files: scan.files,
      git,
    });
    if (outcome.snapshot) {
      logger.info(
        {
          job_id: jobId,
          id,
          path: outcome.snapshot.path,
          files: outcome.snapshot.files,
          bytes: outcome.snapshot.bytes,
          ms: Math.round(performance.now() - started),
        },
        'snapshot.captured',
      );
    }
    return outcome;
  } catch (err) {
    await writer.abort();
    await git.catch(() => undefined);
    if (signal?.aborted) throw cancelledError();
    throw err;
  }
}

async function fillSnapshot(
  request: CaptureRequest,
  writer: SnapshotWriter,
  plan: {
    id: string;
    files: WorkspaceFile[];
    git: ReturnType<typeof readGitContext>;
  },
): Promise<CaptureOutcome> {
  const { jobId, logger, signal } = request;
  const config = await placeConfig(request.configPath, plan.files);
  const jobs: CopyJob[] = plan.files.map((f) => ({
    source: f.path,
    name: f.name,
    role: 'workspace',
  }));
  const counter = new ObserverCounter();

  const results = await copyAll({ request, writer, jobs, counter, config });
  throwIfCancelled(signal);
  if (!results.artifacts.some((a) => a.role === 'workspace')) {
    // Only failures (or only a config): as the original, no snapshot.
    await writer.abort();
    logger.info(
      { job_id: jobId, workspace: request.workspace, failed: results.failed },
      'snapshot.empty',
    );
    return { snapshot: null, reason: 'nothing_to_capture' };
  }

  const git = await plan.git;
  throwIfCancelled(signal);
  const observer = results.artifacts.some((a) => a.name === OBSERVER_TIMELINE)
    ? counter.finish()
    : null;
  if (git) await writer.writeText(GIT_CONTEXT_FILE, toJson(git));
  if (observer) await writer.writeText(OBSERVER_SUMMARY_FILE, toJson(observer));

  const createdAtMs = decodeUlidTime(plan.id);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    job_id: jobId,
    id: plan.id,
    timestamp: timestampOf(createdAtMs),
    created_at: new Date(createdAtMs).toISOString(),
    workspace: request.workspace,
    artifacts: results.artifacts,
    failed: results.failed,
    git,
    observer,
  };
  throwIfCancelled(signal);
  await writer.commit(manifest);

  const entry = { jobId, id: plan.id, createdAtMs };
  request.catalog.remember(entry, sizeOfManifest(manifest));
  const snapshot = await request.catalog.describe(entry);
  return { snapshot, failed: results.failed };
}

function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

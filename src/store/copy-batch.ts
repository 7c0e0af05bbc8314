/**
 * The copying part of a capture: every matched file, a few at a time in
 * name order, then the config. A file that cannot be read is recorded as
 * failed and the rest goes on; a store error or a cancel stops it all.
 */
import { SnapshotError } from '../../protocol/index.js';
import type { FailedArtifact } from '../../protocol/index.js';
import { copyArtifact } from './artifact-copy.js';
import type { SnapshotWriter } from './backend.js';
import type { CaptureRequest } from './capture.js';
import type { ConfigPlacement } from './config-placement.js';
import type { ManifestArtifact } from './manifest.js';
import type { ObserverCounter } from './observer-summary.js';
import { OBSERVER_TIMELINE } from './observer-summary.js';
import { cancelledError } from './store-errors.js';

/** One file to copy: where from, under which name, in which role. */
export interface CopyJob {
  source: string;
  name: string;
  role: ManifestArtifact['role'];
}

export interface CopyResults {
  artifacts: ManifestArtifact[];
  failed: FailedArtifact[];
}

export interface CopyBatch {
  request: CaptureRequest;
  writer: SnapshotWriter;
  jobs: CopyJob[];
  counter: ObserverCounter;
  config: ConfigPlacement | undefined;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

// Copies every file, a few at a time, in name order; the config last.
export async function copyAll(batch: CopyBatch): Promise<CopyResults> {
  const { request, writer, jobs, counter, config } = batch;
  const { jobId, logger, signal } = request;
  const results: CopyResults = { artifacts: [], failed: [] };
  const total = jobs.length + (config ? 1 : 0);
  let done = 0;
  let next = 0;

  const report = () =>
    request.onProgress?.({ stage: 'capture', done: ++done, total });

  const copyOne = async (job: CopyJob) => {
    try {
      const artifact = await copyArtifact({
        writer,
        ...job,
        signal,
        counter: job.name === OBSERVER_TIMELINE ? counter : undefined,
      });
      results.artifacts.push(artifact);
    } catch (err) {
      if (err instanceof SnapshotError || signal?.aborted) throw err;
      const error = describeError(err);
      results.failed.push({ name: job.name, error });
      const event =
        job.role === 'config'
          ? 'snapshot.config_copy_failed'
          : 'snapshot.copy_failed';
      logger.warn({ job_id: jobId, file: job.source, err }, event);
    }
    report();
  };

  const worker = async () => {
    while (next < jobs.length) {
      throwIfCancelled(signal);
      await copyOne(jobs[next++]!);
    }
  };
  // Every worker is let finish before an error surfaces, so none is
  // still writing when the staging folder is thrown away.
  const width = Math.min(request.copyConcurrency, jobs.length);
  const settled = await Promise.allSettled(
    Array.from({ length: width }, worker),
  );
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
  }

  throwIfCancelled(signal);
  if (config && 'refused' in config) {
    results.failed.push({ name: config.name, error: config.refused });
    logger.warn(
      { job_id: jobId, file: config.source, reason: config.refused },
      'snapshot.config_copy_failed',
    );
    report();
  } else if (config) {
    await copyOne({ ...config, role: 'config' });
  }

  results.artifacts.sort((a, b) => (a.name < b.name ? -1 : 1));
  results.failed.sort((a, b) => (a.name < b.name ? -1 : 1));
  return results;
}

function describeError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.startsWith(code)
    ? `${code}: ${message}`
    : message;
}

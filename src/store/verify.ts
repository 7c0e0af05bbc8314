/**
 * Verification: every artifact of a snapshot read back and hashed
 * (streamed), compared with its manifest. A snapshot without a manifest
 * is reported as such rather than passed, since nothing vouches for it.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ResultOf, VerifyProblem } from '../../protocol/index.js';
import { SnapshotError } from '../../protocol/index.js';
import type { OperationOptions } from './api.js';
import type { SnapshotEntry } from './catalog.js';
import {
  GIT_CONTEXT_FILE,
  MANIFEST_FILE,
  META_DIR,
  OBSERVER_SUMMARY_FILE,
  PIN_MARKER,
  assertJobId,
  assertSnapshotId,
} from './layout.js';
import { withLease } from './leases.js';
import type { Manifest } from './manifest.js';
import type { StoreContext } from './store-context.js';
import { mapLimit } from './store-context.js';

export type VerifyResult = ResultOf<'snapshot.verify'>;

/** Snapshots read at once: reading one overlaps hashing another. */
const VERIFY_PARALLEL = 4;

/** The manager's own files, which no manifest lists. */
const OWN_FILES = new Set(
  [MANIFEST_FILE, PIN_MARKER, GIT_CONTEXT_FILE, OBSERVER_SUMMARY_FILE].map(
    (name) => `${META_DIR}/${name}`,
  ),
);

export function cancelledError(operation: string): SnapshotError {
  return new SnapshotError(
    'REQUEST_CANCELLED',
    `${operation} cancelled; nothing was changed`,
  );
}

/** Verifies one snapshot, one job or (no scope) the whole store. */
export async function verifySnapshots(
  context: StoreContext,
  scope: { jobId?: string; id?: string },
  options: OperationOptions = {},
): Promise<VerifyResult> {
  const started = performance.now();
  const targets = await findTargets(context, scope);
  const total = targets.length;
  let done = 0;

  const found = await mapLimit(targets, VERIFY_PARALLEL, async (target) => {
    if (options.signal?.aborted) throw cancelledError('verify');
    let result: VerifyProblem[] | null;
    try {
      result = await withLease(context.leases, target, () =>
        verifyOne(context, target, options.signal),
      );
    } catch (err) {
      // Removed since it was listed: only a named snapshot must exist.
      if (scope.id !== undefined || !isGone(err)) throw err;
      result = null;
    }
    done += 1;
    options.onProgress?.({ stage: 'verify', done, total });
    return result;
  });
  const checked = found.filter((f) => f !== null).length;
  const problems = found.flatMap((f) => f ?? []);

  const ms = Math.round(performance.now() - started);
  context.logger.info(
    {
      job_id: scope.jobId,
      id: scope.id,
      checked,
      problems: problems.length,
      ms,
    },
    'snapshot.verify',
  );
  return { ok: problems.length === 0, checked, problems };
}

function isGone(err: unknown): boolean {
  return (
    err instanceof SnapshotError &&
    (err.code === 'SNAPSHOT_NOT_FOUND' || err.code === 'SNAPSHOT_BUSY')
  );
}

async function findTargets(
  context: StoreContext,
  scope: { jobId?: string; id?: string },
): Promise<SnapshotEntry[]> {
  const { jobId, id } = scope;
  if (id !== undefined && jobId === undefined) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      'id names a snapshot of a job: give job_id with it',
      { field: 'job_id' },
    );
  }

  if (jobId !== undefined) assertJobId(jobId);
  if (id !== undefined) {
    assertSnapshotId(id);
    return [{ jobId: jobId!, id, createdAtMs: 0 }];
  }
  const jobIds =
    jobId !== undefined ? [jobId] : (await context.backend.listJobs()).sort();
  const targets: SnapshotEntry[] = [];
  for (const job of jobIds)
    targets.push(...(await context.catalog.entries(job)));
  return targets;
}

async function verifyOne(
  context: StoreContext,
  target: SnapshotEntry,
  signal: AbortSignal | undefined,
): Promise<VerifyProblem[]> {
  const { backend } = context;
  const { jobId, id } = target;
  const manifest = await backend.readManifest(jobId, id);
  const problem = (name: string | null, kind: VerifyProblem['problem']) => ({
    job_id: jobId,
    id,
    name,
    problem: kind,
  });
  if (manifest === null) return [problem(null, 'no_manifest')];

  const stored = new Map(
    (await backend.listFiles(jobId, id)).map((f) => [f.name, f.bytes]),
  );
  const problems: VerifyProblem[] = [];
  for (const artifact of manifest.artifacts) {
    const bytes = stored.get(artifact.name);
    stored.delete(artifact.name);
    const kind =
      bytes === undefined
        ? 'missing'
        : await compareArtifact(context, target, artifact, { bytes, signal });
    if (kind) problems.push(problem(artifact.name, kind));
  }

  for (const name of stored.keys()) {
    if (!OWN_FILES.has(name)) problems.push(problem(name, 'unexpected'));
  }
  return problems.sort(compareProblems);
}

// What is wrong with a stored artifact, or null when it matches.
async function compareArtifact(
  context: StoreContext,
  ref: { jobId: string; id: string },
  artifact: Manifest['artifacts'][number],
  stored: { bytes: number; signal: AbortSignal | undefined },
): Promise<'missing' | 'changed' | null> {
  if (stored.bytes !== artifact.bytes) return 'changed';

  try {
    const sha256 = await hashArtifact(context, ref, artifact.name, {
      signal: stored.signal,
    });
    return sha256 === artifact.sha256 ? null : 'changed';
  } catch (err) {
    if (err instanceof SnapshotError && err.code === 'SNAPSHOT_NOT_FOUND') {
      return 'missing';
    }
    throw err;
  }
}

function compareProblems(a: VerifyProblem, b: VerifyProblem): number {
  return (a.name ?? '') < (b.name ?? '') ? -1 : 1;
}

/** The SHA-256 of a stored artifact, read as a stream. */
export async function hashArtifact(
  context: StoreContext,
  ref: { jobId: string; id: string },
  name: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const { signal } = options;
  const hash = createHash('sha256');
  const stream = await context.backend.openArtifact(ref.jobId, ref.id, name);

  try {
    for await (const chunk of stream) {
      if (signal?.aborted) throw cancelledError('verify');
      hash.update(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return hash.digest('hex');
}

/**
 * What changed between two snapshots of a job, read from their manifests
 * alone (hashes recorded at capture), so a diff costs two small reads
 * whatever the artifacts weigh.
 */
import type { GitContext, ResultOf } from '../../protocol/index.js';
import { SnapshotError } from '../../protocol/index.js';
import { assertJobId, assertSnapshotId } from './layout.js';
import { withLease } from './leases.js';
import type { Manifest } from './manifest.js';
import type { StoreContext } from './store-context.js';

export type DiffResult = ResultOf<'snapshot.diff'>;
type GitField = DiffResult['git']['changed'][number];

const GIT_FIELDS: readonly GitField[] = ['head_sha', 'branch', 'status'];

export async function diffSnapshots(
  context: StoreContext,
  request: { jobId: string; from: string; to: string },
): Promise<DiffResult> {
  const { jobId, from, to } = request;
  assertJobId(jobId);
  assertSnapshotId(from, 'from');
  assertSnapshotId(to, 'to');

  const [before, after] = await withLease(
    context.leases,
    { jobId, id: from },
    () =>
      withLease(context.leases, { jobId, id: to }, () =>
        Promise.all([
          readManifestOf(context, jobId, from),
          readManifestOf(context, jobId, to),
        ]),
      ),
  );
  return compareManifests(before, after);
}

async function readManifestOf(
  context: StoreContext,
  jobId: string,
  id: string,
): Promise<Manifest> {
  const manifest = await context.backend.readManifest(jobId, id);
  if (manifest === null) {
    throw new SnapshotError(
      'NO_MANIFEST',
      `snapshot ${id} of job ${jobId} has no manifest to compare`,
      { job_id: jobId, id },
    );
  }
  return manifest;
}

/** Artifact names by what happened to them, each list sorted. */
export function compareManifests(
  before: Manifest,
  after: Manifest,
): DiffResult {
  const old = new Map(before.artifacts.map((a) => [a.name, a]));
  const result: DiffResult = {
    added: [],
    removed: [],
    changed: [],
    unchanged: [],
    git: {
      from: before.git,
      to: after.git,
      changed: compareGit(before.git, after.git),
    },
  };

  for (const artifact of after.artifacts) {
    const previous = old.get(artifact.name);
    old.delete(artifact.name);
    if (!previous) result.added.push(artifact.name);
    else if (previous.sha256 === artifact.sha256) {
      result.unchanged.push(artifact.name);
    } else result.changed.push(artifact.name);
  }
  result.removed.push(...old.keys());

  for (const list of [
    result.added,
    result.removed,
    result.changed,
    result.unchanged,
  ]) {
    list.sort();
  }
  return result;
}

// A side without git context differs in every field from one with it.
function compareGit(
  before: GitContext | null,
  after: GitContext | null,
): GitField[] {
  if (before === null && after === null) return [];
  return GIT_FIELDS.filter((field) => before?.[field] !== after?.[field]);
}

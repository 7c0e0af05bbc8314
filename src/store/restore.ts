/**
 * Restore: a snapshot's artifacts copied into a folder, each one hashed
 * while it is copied and checked against the manifest before it takes its
 * name. Nothing is ever written outside the target: names from the
 * manifest must stay inside it, and a symbolic link found inside the
 * target (planted where a folder or file would go) is refused, never
 * followed. The target path itself is resolved once, so a link in the
 * path the caller chose (such as a /tmp that is a link) is honoured.
 *
 * The checks are lstat-then-open (Node has no openat): someone who can
 * write into the target while the restore runs could still race them.
 * Restore into a folder only you can write to, as the created 0700 is.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ResultOf } from '../../protocol/index.js';
import { SnapshotError } from '../../protocol/index.js';
import type { OperationOptions } from './api.js';
import { FILE_MODE, assertJobId, assertSnapshotId } from './layout.js';
import { withLease } from './leases.js';
import type { ManifestArtifact } from './manifest.js';
import { copyVerified } from './restore-copy.js';
import type { StoreContext } from './store-context.js';
import {
  checkFileSlot,
  makeFolders,
  prepareTarget,
  undoCreated,
} from './restore-target.js';
import { cancelledError } from './verify.js';

export type RestoreResult = ResultOf<'snapshot.restore'>;

/** Creates a new file, never through a link, never blocking on a FIFO. */
const CREATE_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_EXCL |
  constants.O_NOFOLLOW |
  constants.O_NONBLOCK;

export interface RestoreRequest extends OperationOptions {
  jobId: string;
  id: string;
  target: string;
  overwrite?: boolean;
}

export async function restoreSnapshot(
  context: StoreContext,
  request: RestoreRequest,
): Promise<RestoreResult> {
  const { jobId, id, target } = request;
  assertJobId(jobId);
  assertSnapshotId(id);
  if (!isAbsolute(target) || target.includes('\0')) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      'target must be an absolute path',
      {
        field: 'target',
      },
    );
  }

  return withLease(context.leases, request, async () => {
    const manifest = await context.backend.readManifest(jobId, id);
    if (manifest === null) {
      throw new SnapshotError(
        'NO_MANIFEST',
        `snapshot ${id} of job ${jobId} has no manifest to restore from`,
        { job_id: jobId, id },
      );
    }
    manifest.artifacts.forEach((a) => checkName(a.name, request));

    const created: string[] = [];
    const root = await prepareTarget(
      target,
      request.overwrite ?? false,
      created,
    );
    try {
      await restoreArtifacts(context, request, {
        root,
        artifacts: manifest.artifacts,
        created,
      });
    } catch (err) {
      await undoCreated(created);
      throw err;
    }

    const restored = manifest.artifacts.length;
    context.logger.info(
      { job_id: jobId, id, target, restored },
      'snapshot.restored',
    );
    return { restored, target };
  });
}

async function restoreArtifacts(
  context: StoreContext,
  request: RestoreRequest,
  plan: { root: string; artifacts: ManifestArtifact[]; created: string[] },
): Promise<void> {
  const total = plan.artifacts.length;
  let done = 0;

  for (const artifact of plan.artifacts) {
    if (request.signal?.aborted) throw cancelledError('restore');
    const parts = artifact.name.split('/');
    const folder = await makeFolders(
      plan.root,
      parts.slice(0, -1),
      plan.created,
    );
    const finalPath = join(folder, parts[parts.length - 1]!);
    const existed = await checkFileSlot(finalPath);

    const tempPath = `${finalPath}.restoring-${randomBytes(4).toString('hex')}`;
    const handle = await open(tempPath, CREATE_FLAGS, FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
      const source = await context.backend.openArtifact(
        request.jobId,
        request.id,
        artifact.name,
      );
      await copyVerified({ source, handle, artifact, signal: request.signal });
      await rename(tempPath, finalPath);
      if (!existed) plan.created.push(finalPath);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      throw err;
    } finally {
      await handle.close();
    }
    done += 1;
    request.onProgress?.({ stage: 'restore', done, total });
  }
}

// A name from the manifest that could leave the target is refused.
function checkName(name: string, ref: { jobId: string; id: string }): void {
  const parts = name.split('/');
  const isSafe =
    !isAbsolute(name) &&
    !name.includes('\0') &&
    parts.every((p) => p !== '' && p !== '.' && p !== '..');
  if (!isSafe) {
    throw new SnapshotError(
      'SNAPSHOT_CORRUPT',
      `snapshot ${ref.id} of job ${ref.jobId} names an artifact outside ` +
        `itself (${JSON.stringify(name)}); nothing was restored`,
      { job_id: ref.jobId, id: ref.id, name },
    );
  }
}

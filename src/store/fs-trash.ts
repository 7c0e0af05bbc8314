/**
 * Two-phase removal on the filesystem: a snapshot leaves the listing in
 * one rename into `<root>/.trash/`, and its files are deleted later, a
 * bounded batch at a time, so a big removal never stalls a request.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PurgeResult } from './backend.js';
import { makePrivateDir, removeTree, syncDir } from './fs-io.js';
import { TRASH_DIR } from './layout.js';
import { SnapshotError } from '../../protocol/index.js';
import { isMissing, notFoundError, toStoreError } from './store-errors.js';

const DEFAULT_PURGE_BATCH = 100;

// A link planted as the trash would send snapshots, and then the purge,
// outside the store: the trash must be a real folder.
async function assertRealTrash(trash: string): Promise<void> {
  const stats = await lstat(trash);
  if (!stats.isDirectory()) {
    throw new SnapshotError(
      'STORE_UNAVAILABLE',
      `${trash} is not a folder (a link?); remove it so the store can ` +
        'recreate it',
      { path: trash },
    );
  }
}

export async function moveFolderToTrash(
  root: string,
  snapshot: { jobId: string; id: string; dir: string; durable: boolean },
): Promise<void> {
  const { jobId, id, dir } = snapshot;
  const trash = join(root, TRASH_DIR);
  // `~` cannot occur in a job id or snapshot id: the name stays readable
  // and unambiguous; the suffix keeps two removals apart.
  const suffix = randomBytes(4).toString('hex');
  const target = join(trash, `${jobId}~${id}~${suffix}`);

  try {
    if (!(await makePrivateDir(trash))) await assertRealTrash(trash);
    await rename(dir, target);
  } catch (err) {
    if (isMissing(err)) throw notFoundError(jobId, id);
    throw toStoreError(err, 'move to trash', dir);
  }
  // The emptied job folder may be gone already: nothing left to flush.
  if (snapshot.durable) {
    await syncDir(join(root, jobId)).catch((err: unknown) => {
      if (!isMissing(err)) throw toStoreError(err, 'sync', join(root, jobId));
    });
  }

  // As the original, an emptied job folder goes; a capture racing this
  // recreates it (see the writer's rename).
  await rmdir(join(root, jobId)).catch(() => undefined);
}

export async function purgeTrashBatch(
  root: string,
  batchSize = DEFAULT_PURGE_BATCH,
): Promise<PurgeResult> {
  const trash = join(root, TRASH_DIR);
  let names: string[];

  try {
    await assertRealTrash(trash);
    names = await readdir(trash);
  } catch (err) {
    if (isMissing(err)) return { removed: 0, remaining: 0 };
    throw toStoreError(err, 'read', trash);
  }

  // The entries of a batch are removed side by side: each removal is a
  // chain of small calls, and the thread pool can run several at once.
  const batch = names.slice(0, batchSize);
  const failures = await Promise.allSettled(
    batch.map((name) => removeTree(join(trash, name))),
  );
  const failed = failures.findIndex((f) => f.status === 'rejected');
  if (failed !== -1) {
    const reason: unknown = (failures[failed] as PromiseRejectedResult).reason;
    throw toStoreError(reason, 'remove', join(trash, batch[failed]!));
  }
  return { removed: batch.length, remaining: names.length - batch.length };
}

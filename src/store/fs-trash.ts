/**
 * Two-phase removal on the filesystem: a snapshot leaves the listing in
 * one rename into `<root>/.trash/`, and its files are deleted later, a
 * bounded batch at a time, so a big removal never stalls a request.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync } from 'node:fs';
import { lstat, readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MoveOutcome, PurgeResult } from './backend.js';
import { mapSliced } from './fs-slice.js';
import { makePrivateDir, syncDir } from './fs-io.js';
import { TRASH_DIR } from './layout.js';
import { SnapshotError } from '../../protocol/index.js';
import { isMissing, notFoundError, toStoreError } from './store-errors.js';

const DEFAULT_PURGE_BATCH = 100;

const runFile = promisify(execFile);

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

async function ensureTrash(trash: string): Promise<void> {
  if (!(await makePrivateDir(trash))) await assertRealTrash(trash);
}

// A unique name in the trash: `~` cannot occur in a job id or snapshot
// id, so the name stays readable; a token drawn once per process and a
// counter keep two removals apart without a random draw per snapshot.
const TRASH_TOKEN = randomBytes(4).toString('hex');
let trashCounter = 0;
function trashNameFor(jobId: string, id: string): string {
  trashCounter += 1;
  return `${jobId}~${id}~${TRASH_TOKEN}${trashCounter.toString(36)}`;
}

/**
 * Moves snapshots a listing just saw, one rename each: the trash and each
 * job folder are checked once (no link) rather than once per snapshot,
 * and nothing is synced (a move lost to a power failure puts the snapshot
 * back whole, and the next cleanup removes it again). The renames are
 * synchronous, in slices that yield to the event loop (fs-slice.ts).
 */
export async function moveListedToTrash(
  root: string,
  refs: readonly { jobId: string; id: string }[],
): Promise<MoveOutcome[]> {
  const trash = join(root, TRASH_DIR);
  const realJobs = new Map<string, boolean>();
  const isRealJob = (jobId: string): boolean => {
    let isReal = realJobs.get(jobId);
    if (isReal === undefined) {
      isReal = isRealDirNow(join(root, jobId));
      realJobs.set(jobId, isReal);
    }
    return isReal;
  };

  try {
    await ensureTrash(trash);
  } catch (err) {
    throw toStoreError(err, 'move to trash', trash);
  }
  return mapSliced(refs, ({ jobId, id }): MoveOutcome => {
    const dir = `${root}/${jobId}/${id}`;
    try {
      if (!isRealJob(jobId)) return 'gone';
      // A link in place of the snapshot would move only the link itself.
      renameSync(dir, `${trash}/${trashNameFor(jobId, id)}`);
      return 'moved';
    } catch (err) {
      return isMissing(err) ? 'gone' : toStoreError(err, 'move to trash', dir);
    }
  });
}

function isRealDirNow(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

export async function moveFolderToTrash(
  root: string,
  snapshot: { jobId: string; id: string; dir: string; durable: boolean },
): Promise<void> {
  const { jobId, id, dir } = snapshot;
  const trash = join(root, TRASH_DIR);
  const target = join(trash, trashNameFor(jobId, id));

  try {
    await ensureTrash(trash);
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

/**
 * Deletes a batch of trash entries with `rm -rf` in a child process.
 * Measured against `fs.rm` of the same entries (979 snapshots, tmpfs,
 * loaded two-core machine): 77-100 ms against 400-790 ms (8 at a time)
 * or 450-480 ms (32 at a time), and the event loop's worst lag 9 ms
 * against 55-113 ms: each of fs.rm's many small calls waits for the
 * thread pool, while the child's unlinks take neither the daemon's event
 * loop nor its thread pool. rm never
 * follows a link inside what it deletes, and the trash itself was just
 * checked to be a real folder.
 */
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

  const batch = names.slice(0, batchSize);
  if (batch.length === 0) return { removed: 0, remaining: 0 };
  try {
    await runFile('rm', ['-rf', '--', ...batch], { cwd: trash });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new SnapshotError(
      'STORE_UNAVAILABLE',
      `could not delete the trash in ${trash}: ${stderr || String(err)}; ` +
        'check its permissions and free space',
      { path: trash },
    );
  }
  return { removed: batch.length, remaining: names.length - batch.length };
}

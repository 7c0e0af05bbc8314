/**
 * The job folder as the filesystem store sees it before writing: a real
 * folder, missing, or something planted there (a link, a file) that must
 * never be written through.
 */
import { lstat } from 'node:fs/promises';
import { SnapshotError } from '../../protocol/index.js';
import { isMissing, toStoreError } from './store-errors.js';

export type JobDirKind = 'folder' | 'missing' | 'planted';

// What is where the job folder should be; never follows a link.
export async function inspectJobDir(jobDir: string): Promise<JobDirKind> {
  try {
    return (await lstat(jobDir)).isDirectory() ? 'folder' : 'planted';
  } catch (err) {
    if (isMissing(err)) return 'missing';
    throw toStoreError(err, 'inspect', jobDir);
  }
}

/** Refuses a job folder that is a link or a file planted in the store. */
export async function checkJobDir(jobDir: string): Promise<void> {
  if ((await inspectJobDir(jobDir)) === 'planted') {
    throw plantedJobError(jobDir);
  }
}

export function plantedJobError(jobDir: string): SnapshotError {
  return new SnapshotError(
    'STORE_UNAVAILABLE',
    `refusing to write into ${jobDir}: it is not a folder (a symbolic ` +
      'link or a file); move it out of the store, then retry',
    { path: jobDir },
  );
}

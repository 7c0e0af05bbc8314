/**
 * Where things live inside a store, and which names are what. The layout
 * is `<store>/<job_id>/<id>/`; folders the store keeps for itself start
 * with `.`, which no job id may, so they never clash with a job.
 */
import { JOB_ID_PATTERN, SnapshotError } from '../../protocol/index.js';
import { decodeUlidTime, isUlid } from './ulid.js';

/** Snapshots being built, one folder per capture in flight. */
export const STAGING_DIR = '.staging';
/** Snapshots already out of sight, waiting to be deleted. */
export const TRASH_DIR = '.trash';
/**
 * Inside a snapshot: everything the manager writes itself. No capture
 * pattern matches this name, so it cannot collide with an artifact.
 */
export const META_DIR = '.marianne-snapshot';
export const MANIFEST_FILE = 'manifest.json';
export const GIT_CONTEXT_FILE = 'git-context.json';
export const OBSERVER_SUMMARY_FILE = 'observer-summary.json';
/** Inside META_DIR: a config whose name clashes with an artifact. */
export const CONFIG_DIR = 'config';
/** Inside META_DIR: the marker that pins a snapshot; verify ignores it. */
export const PIN_MARKER = 'pinned';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const SNAPSHOT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;
/** The original layout named a snapshot by its unix seconds. */
const ORIGINAL_ID_PATTERN = /^[0-9]{1,12}$/;

/** Refuses a job id that is not one the contract allows. */
export function assertJobId(jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      `invalid job_id ${JSON.stringify(jobId)}: use 1 to 128 letters, ` +
        'digits, ".", "_" or "-", not starting with "."',
      { field: 'job_id' },
    );
  }
}

/** Refuses a snapshot id that could not name a snapshot folder. */
export function assertSnapshotId(
  id: unknown,
  field = 'id',
): asserts id is string {
  if (typeof id !== 'string' || !SNAPSHOT_ID_PATTERN.test(id)) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      `invalid snapshot id ${JSON.stringify(id)}: use 1 to 64 letters or ` +
        'digits, as snapshot.list returns them',
      { field },
    );
  }
}

/** Refuses a page size that is not a positive whole number. */
export function assertLimit(limit: unknown): void {
  if (limit === undefined) return;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      `invalid limit ${JSON.stringify(limit)}: use a whole number from 1`,
      { field: 'limit' },
    );
  }
}

export function isJobId(name: string): boolean {
  return JOB_ID_PATTERN.test(name);
}

/** An id in the original layout: unix seconds, no manifest. */
export function isOriginalId(name: string): boolean {
  return ORIGINAL_ID_PATTERN.test(name);
}

/** A folder name that is a snapshot, in either layout. */
export function isSnapshotFolderName(name: string): boolean {
  return isUlid(name) || isOriginalId(name);
}

/** When a snapshot was taken, known from its id alone. */
export function createdAtMsOf(id: string): number {
  return isUlid(id) ? decodeUlidTime(id) : Number(id) * 1000;
}

/** The original's timestamp: unix seconds, digits only. */
export function timestampOf(createdAtMs: number): string {
  return String(Math.floor(createdAtMs / 1000));
}

/** Capture order: by time, then by id (ULIDs in one ms sort as made). */
export function compareCaptureOrder(
  a: { createdAtMs: number; id: string },
  b: { createdAtMs: number; id: string },
): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

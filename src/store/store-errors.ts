import { SnapshotError } from '../../protocol/index.js';

/** The errno code of a Node system error, if it is one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isMissing(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A failure writing the store, as the caller should see it: which path,
 * what happened. Registry errors (a cancel, a refusal) pass unchanged.
 */
export function toStoreError(
  err: unknown,
  action: string,
  path: string,
): SnapshotError {
  if (err instanceof SnapshotError) return err;

  const code = errnoOf(err) ?? 'error';
  const detail = err instanceof Error ? err.message : String(err);
  return new SnapshotError(
    'STORE_UNAVAILABLE',
    `cannot ${action} ${path}: ${code} (${detail})`,
    { path, errno: code },
    { cause: err },
  );
}

export function cancelledError(): SnapshotError {
  return new SnapshotError(
    'REQUEST_CANCELLED',
    'capture cancelled; nothing was kept',
  );
}

export function notFoundError(jobId: string, id: string): SnapshotError {
  return new SnapshotError(
    'SNAPSHOT_NOT_FOUND',
    `no snapshot ${id} of job ${jobId}`,
    { job_id: jobId, id },
  );
}

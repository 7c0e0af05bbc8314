/**
 * Cleanup by retention policy: take stock of the store, decide (a pure
 * function, so a dry run lists exactly what a real run removes), move the
 * chosen snapshots to the trash, remove job folders left empty, purge.
 */
import { performance } from 'node:perf_hooks';
import type { ResultOf } from '../../protocol/index.js';
import { SnapshotError } from '../../protocol/index.js';
import type { OperationOptions, RetentionPolicy } from './api.js';
import type { SnapshotEntry } from './catalog.js';
import { PIN_MARKER, assertJobId } from './layout.js';
import { trashSnapshots } from './removal.js';
import {
  DEFAULT_MAX_AGE_HOURS,
  checkPolicy,
  decideRemovals,
  type InventoryEntry,
  type Removal,
} from './retention.js';
import type { StoreContext } from './store-context.js';
import { mapLimit } from './store-context.js';

/** Manifests and markers read at once while taking stock. */
const READ_PARALLEL = 16;

export type CleanupResult = ResultOf<'snapshot.cleanup'>;

export async function expireSnapshots(
  context: StoreContext,
  policy: RetentionPolicy,
  options: OperationOptions = {},
): Promise<CleanupResult> {
  checkPolicy(policy);
  if (policy.jobId !== undefined) assertJobId(policy.jobId);

  const started = performance.now();
  const now = Date.now();
  const inventory = await collectInventory(context, policy, now);
  if (options.signal?.aborted) {
    throw new SnapshotError(
      'REQUEST_CANCELLED',
      'cleanup cancelled before anything was removed',
    );
  }
  const decided = decideRemovals(inventory.entries, policy, now);
  if (policy.dryRun) return toResult(decided);

  const decidedAt = performance.now();
  const removed = await trashSnapshots(context, decided, options);
  await removeEmptyJobs(context, inventory.emptyJobIds);
  const trashedAt = performance.now();
  await context.purger.drain();

  const result = toResult(removed);
  const ended = performance.now();
  context.logger.info(
    {
      removed: result.removed,
      freed_bytes: result.freed_bytes,
      ms: Math.round(ended - started),
      // Where the time went: taking stock, moving out of sight, deleting.
      scan_ms: Math.round(decidedAt - started),
      trash_ms: Math.round(trashedAt - decidedAt),
      purge_ms: Math.round(ended - trashedAt),
    },
    'snapshot.cleanup',
  );
  if (options.signal?.aborted) {
    throw new SnapshotError(
      'REQUEST_CANCELLED',
      `cleanup cancelled after removing ${result.removed} snapshots`,
      { removed: result.removed },
    );
  }
  return result;
}

function toResult(removals: readonly Removal[]): CleanupResult {
  return {
    removed: removals.length,
    freed_bytes: removals.reduce((sum, r) => sum + r.bytes, 0),
    snapshots: removals.map((r) => ({
      job_id: r.jobId,
      id: r.id,
      reason: r.reason,
    })),
  };
}

interface Inventory {
  entries: InventoryEntry[];
  /** Job folders holding no snapshot at all. */
  emptyJobIds: string[];
}

/**
 * What the decision needs. Size and pin are read only where they can
 * change it: everywhere under a quota, otherwise only for snapshots past
 * the age limit (a newer one is kept whatever its size or pin).
 */
async function collectInventory(
  context: StoreContext,
  policy: RetentionPolicy,
  now: number,
): Promise<Inventory> {
  const { backend, catalog, leases } = context;
  const isQuota = policy.maxTotalBytes !== undefined;
  const cutoffMs =
    now - (policy.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS) * 3_600_000;

  await logSkippedLinks(context);
  // The quota counts the whole store even when one job is named.
  const jobIds =
    policy.jobId !== undefined && !isQuota
      ? [policy.jobId]
      : await backend.listJobs();
  const perJob = await mapLimit(jobIds, READ_PARALLEL, (jobId) =>
    catalog.entries(jobId),
  );
  const snapshots = perJob.flat();
  const emptyJobIds = jobIds.filter((_, i) => perJob[i]!.length === 0);

  const entries = await mapLimit(
    snapshots,
    READ_PARALLEL,
    async (snapshot: SnapshotEntry): Promise<InventoryEntry> => {
      const entry = {
        ...snapshot,
        bytes: 0,
        pinned: false,
        leased: leases.isLeased(snapshot.jobId, snapshot.id),
      };
      if (!isQuota && snapshot.createdAtMs >= cutoffMs) return entry;

      try {
        const [size, pin] = await Promise.all([
          catalog.sizeOf(snapshot),
          backend.readMarker(snapshot.jobId, snapshot.id, PIN_MARKER),
        ]);
        return { ...entry, bytes: size.bytes, pinned: pin !== null };
      } catch (err) {
        // Gone since the listing, or unreadable: kept, as if pinned.
        const path = backend.snapshotLocation(snapshot.jobId, snapshot.id);
        const reason = 'unreadable';
        context.logger.warn({ err, path, reason }, 'snapshot.cleanup_skipped');
        return { ...entry, pinned: true };
      }
    },
  );
  return { entries, emptyJobIds };
}

// A link where a job or snapshot folder should be is never followed.
async function logSkippedLinks(context: StoreContext): Promise<void> {
  for (const path of await context.backend.listLinks()) {
    context.logger.warn({ path }, 'snapshot.skipped_symlink');
  }
}

// As the original, an empty job folder goes (one emptied by this cleanup
// already went with its last snapshot). Only an empty folder is removed,
// never one a capture has just moved a snapshot into.
async function removeEmptyJobs(
  context: StoreContext,
  jobIds: readonly string[],
): Promise<void> {
  await mapLimit(jobIds, READ_PARALLEL, async (jobId) => {
    await context.backend.removeJobIfEmpty(jobId).catch((err: unknown) => {
      context.logger.warn({ err, job_id: jobId }, 'snapshot.cleanup_failed');
    });
  });
}

/** The original's library call: remove by age only, return the count. */
export async function cleanupByAge(
  context: StoreContext,
  options: { maxAgeHours?: number } = {},
): Promise<number> {
  const result = await expireSnapshots(context, {
    maxAgeHours: options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
  });
  return result.removed;
}

/**
 * Pins: a marker file inside the snapshot's own folder that every
 * retention rule respects. The marker travels with the snapshot (a copy
 * of the store keeps its pins) and holds the time it was set.
 */
import { PIN_MARKER, assertJobId, assertSnapshotId } from './layout.js';
import { withLease } from './leases.js';
import type { StoreContext } from './store-context.js';

/**
 * Pins or unpins; idempotent (pinning twice keeps the first pin's time).
 * A lease is held meanwhile, so a cleanup deciding at the same moment
 * either sees the pin or has already claimed the snapshot, in which case
 * this fails with SNAPSHOT_BUSY rather than pinning a snapshot going away.
 */
export async function setPinned(
  context: StoreContext,
  ref: { jobId: string; id: string },
  pinned: boolean,
): Promise<boolean> {
  const { jobId, id } = ref;
  assertJobId(jobId);
  assertSnapshotId(id);
  const { backend, logger } = context;

  await withLease(context.leases, ref, async () => {
    const marker = await backend.readMarker(jobId, id, PIN_MARKER);
    if (pinned && marker === null) {
      const text = `${new Date().toISOString()}\n`;
      await backend.writeMarker(jobId, id, PIN_MARKER, text);
      logger.info({ job_id: jobId, id }, 'snapshot.pinned');
    } else if (!pinned && marker !== null) {
      await backend.removeMarker(jobId, id, PIN_MARKER);
      logger.info({ job_id: jobId, id }, 'snapshot.unpinned');
    }
  });
  return pinned;
}

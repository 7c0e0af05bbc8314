/**
 * Two-phase removal. A chosen snapshot first leaves the store's view in
 * one rename into the trash, so a listing never shows a half-deleted
 * snapshot and a crash leaves only trash, which the next open purges.
 * The trash is then deleted in bounded batches that yield to the event
 * loop between them, so requests keep being served during a large purge.
 */
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import { SnapshotError } from '../../protocol/index.js';
import type { StoreBackend } from './backend.js';
import { PIN_MARKER, assertJobId, assertSnapshotId } from './layout.js';
import type { Removal } from './retention.js';
import type { StoreContext } from './store-context.js';
import type { OperationOptions } from './api.js';
import type { Lease, LeaseWatch } from './leases.js';

/** Snapshots moved to the trash per batch, between cancellation checks. */
const TRASH_BATCH = 64;
/** Trash entries deleted per batch before yielding to the event loop. */
const PURGE_BATCH = 512;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Deletes the trash, one purge at a time per store. Every `drain()` call
 * resolves only once the trash as it was at the call is deleted, so a
 * caller that trashed something and then drains sees it gone.
 */
export class TrashPurger {
  readonly #backend: StoreBackend;
  readonly #logger: Logger;
  #running: Promise<void> | null = null;
  #followUp: Promise<void> | null = null;

  constructor(options: { backend: StoreBackend; logger: Logger }) {
    this.#backend = options.backend;
    this.#logger = options.logger;
  }

  drain(): Promise<void> {
    if (this.#running === null) {
      this.#running = this.#purgeAll().finally(() => {
        this.#running = null;
      });
      return this.#running;
    }

    // One purge already reads the trash: run one more after it, shared
    // by every caller that arrives meanwhile.
    this.#followUp ??= this.#running.then(() => {
      this.#followUp = null;
      return this.drain();
    });
    return this.#followUp;
  }

  /** Resolves once no purge is running (for close()). */
  async settle(): Promise<void> {
    while (this.#running !== null || this.#followUp !== null) {
      await (this.#followUp ?? this.#running);
    }
  }

  // Never rejects: a failure is logged and the rest waits for next time.
  async #purgeAll(): Promise<void> {
    const started = performance.now();
    let removed = 0;

    for (;;) {
      try {
        const batch = await this.#backend.purgeTrash({
          batchSize: PURGE_BATCH,
        });
        removed += batch.removed;
        if (batch.remaining === 0) break;
      } catch (err) {
        const path = err instanceof SnapshotError ? err.data.path : undefined;
        this.#logger.error({ err, path }, 'snapshot.cleanup_failed');
        break;
      }
      await yieldToEventLoop();
    }

    if (removed > 0) {
      const ms = Math.round(performance.now() - started);
      this.#logger.info({ removed, ms }, 'snapshot.purged');
    }
  }
}

/**
 * Moves chosen snapshots to the trash, batch by batch. A snapshot a reader
 * holds, or pinned since the decision, or already gone, is skipped and not
 * reported. Cancellation stops between batches; what moved stays moved.
 * `watch` began before the decision read the pins: a snapshot it has not
 * seen leased cannot have been pinned since, so only the others have
 * their pin read again.
 */
export async function trashSnapshots(
  context: StoreContext,
  removals: readonly Removal[],
  options: OperationOptions & { watch: LeaseWatch },
): Promise<Removal[]> {
  const trashed: Removal[] = [];
  const total = removals.length;
  let done = 0;

  for (let start = 0; start < total; start += TRASH_BATCH) {
    if (options.signal?.aborted) break;

    const batch = removals.slice(start, start + TRASH_BATCH);
    trashed.push(...(await trashBatch(context, batch, options.watch)));
    done += batch.length;
    options.onProgress?.({ stage: 'cleanup', done, total });
  }
  return trashed;
}

// Claims, checks pins where they may have changed, moves what is left.
async function trashBatch(
  context: StoreContext,
  batch: readonly Removal[],
  watch: LeaseWatch,
): Promise<Removal[]> {
  const { backend, catalog, leases, logger } = context;
  const claimed: { removal: Removal; claim: Lease }[] = [];
  const skip = ({ jobId, id }: Removal, reason: string): void =>
    logger.info({ job_id: jobId, id, reason }, 'snapshot.cleanup_skipped');

  try {
    for (const removal of batch) {
      const claim = leases.claimRemoval(removal.jobId, removal.id);
      if (claim) claimed.push({ removal, claim });
      else skip(removal, 'busy');
    }

    const movable = await filterUnpinned(context, claimed, watch, skip);
    const outcomes = await backend
      .moveListedToTrash(movable)
      .catch((err: unknown) => movable.map(() => err));
    outcomes.forEach((outcome, i) => {
      if (outcome === 'moved' || outcome === 'gone') return;
      const path = backend.snapshotLocation(movable[i]!.jobId, movable[i]!.id);
      logger.warn({ err: outcome, path }, 'snapshot.cleanup_failed');
    });
    const trashed = movable.filter((_, i) => outcomes[i] === 'moved');
    for (const { jobId, id } of trashed) catalog.forget(jobId, id);
    // When the store refuses every move (read-only, no permission), the
    // caller must hear it rather than read "nothing removed".
    const refused: unknown = outcomes.find((o) => o instanceof Error);
    if (trashed.length === 0 && refused instanceof Error) throw refused;
    return trashed;
  } finally {
    for (const { claim } of claimed) claim.release();
  }
}

async function filterUnpinned(
  context: StoreContext,
  claimed: readonly { removal: Removal }[],
  watch: LeaseWatch,
  skip: (removal: Removal, reason: string) => void,
): Promise<Removal[]> {
  const removals = claimed.map((c) => c.removal);
  const recheck = removals.filter((r) => watch.hasSeen(r.jobId, r.id));
  const refs = recheck.map((r) => ({ ...r, manifest: false }));
  const probed = await context.backend.probe(refs, PIN_MARKER);
  // Unreadable counts as pinned: kept this round.
  const pinned = new Set(
    recheck.filter((_, i) => {
      const found = probed[i]!;
      return found instanceof Error || found.hasMarker;
    }),
  );
  const isPinnedNow = removals.map((r) => pinned.has(r));
  removals.forEach((r, i) => isPinnedNow[i] && skip(r, 'pinned'));
  return removals.filter((_, i) => !isPinnedNow[i]);
}

async function isPinned(
  context: StoreContext,
  jobId: string,
  id: string,
): Promise<boolean> {
  const marker = await context.backend.readMarker(jobId, id, PIN_MARKER);
  return marker !== null;
}

/**
 * Removes one snapshot, refusing a pinned one (SNAPSHOT_PINNED) and one a
 * reader holds (SNAPSHOT_BUSY: retry once the reader is done).
 */
export async function deleteSnapshot(
  context: StoreContext,
  jobId: string,
  id: string,
): Promise<void> {
  assertJobId(jobId);
  assertSnapshotId(id);

  const claim = context.leases.claimRemoval(jobId, id);
  if (!claim) {
    throw new SnapshotError(
      'SNAPSHOT_BUSY',
      `snapshot ${id} of job ${jobId} is being read or removed; retry`,
      { job_id: jobId, id },
    );
  }
  try {
    if (await isPinned(context, jobId, id)) {
      throw new SnapshotError(
        'SNAPSHOT_PINNED',
        `snapshot ${id} of job ${jobId} is pinned; unpin it to delete it`,
        { job_id: jobId, id },
      );
    }
    await context.backend.moveToTrash(jobId, id);
    context.catalog.forget(jobId, id);
  } finally {
    claim.release();
  }

  context.logger.info({ job_id: jobId, id }, 'snapshot.deleted');
  await context.purger.drain();
}

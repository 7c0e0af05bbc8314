/**
 * Reader leases: a snapshot being restored, verified or diffed is not
 * removed under the reader's feet. Cleanup leaves a leased snapshot for a
 * later round; delete refuses it with SNAPSHOT_BUSY rather than waiting,
 * because a restore of a large snapshot can take minutes and the caller
 * can retry. A snapshot being removed can in turn not be leased.
 *
 * Leases live in the process that holds the store: two processes sharing
 * one store folder do not see each other's readers.
 */
import { SnapshotError } from '../../protocol/index.js';

/** A held lease; release it exactly once, in a `finally`. */
export interface Lease {
  release(): void;
}

/** Which snapshots were leased since the watch began. */
export interface LeaseWatch {
  hasSeen(jobId: string, id: string): boolean;
  close(): void;
}

export class LeaseRegistry {
  readonly #readers = new Map<string, number>();
  readonly #removing = new Set<string>();
  readonly #watches = new Set<Set<string>>();

  /** Holds a snapshot for reading; SNAPSHOT_BUSY while it is removed. */
  acquire(jobId: string, id: string): Lease {
    const key = toKey(jobId, id);
    if (this.#removing.has(key)) {
      throw new SnapshotError(
        'SNAPSHOT_BUSY',
        `snapshot ${id} of job ${jobId} is being removed`,
        { job_id: jobId, id },
      );
    }

    this.#readers.set(key, (this.#readers.get(key) ?? 0) + 1);
    for (const seen of this.#watches) seen.add(key);
    let isReleased = false;
    return {
      release: () => {
        if (isReleased) return;
        isReleased = true;
        const count = (this.#readers.get(key) ?? 1) - 1;
        if (count === 0) this.#readers.delete(key);
        else this.#readers.set(key, count);
      },
    };
  }

  isLeased(jobId: string, id: string): boolean {
    return this.#readers.has(toKey(jobId, id));
  }

  /**
   * Notes every snapshot leased from now until `close()`. A pin is only
   * set under a lease, so a pin read after the watch began is still true
   * for a snapshot the watch has not seen leased (in this process).
   */
  watch(): LeaseWatch {
    const seen = new Set<string>();
    this.#watches.add(seen);
    return {
      hasSeen: (jobId, id) => seen.has(toKey(jobId, id)),
      close: () => this.#watches.delete(seen),
    };
  }

  /**
   * Claims a snapshot for removal, or returns null when a reader holds it
   * or another removal already claimed it. Release the claim once the
   * snapshot is out of sight (or the removal failed).
   */
  claimRemoval(jobId: string, id: string): Lease | null {
    const key = toKey(jobId, id);
    if (this.#readers.has(key) || this.#removing.has(key)) return null;

    this.#removing.add(key);
    return { release: () => this.#removing.delete(key) };
  }
}

/** Runs `read` while holding a lease on the snapshot. */
export async function withLease<T>(
  leases: LeaseRegistry,
  ref: { jobId: string; id: string },
  read: () => Promise<T>,
): Promise<T> {
  const lease = leases.acquire(ref.jobId, ref.id);
  try {
    return await read();
  } finally {
    lease.release();
  }
}

function toKey(jobId: string, id: string): string {
  return `${jobId}/${id}`;
}

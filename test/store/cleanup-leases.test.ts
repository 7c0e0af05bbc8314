import { stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expireSnapshots } from '../../src/store/expire.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { verifySnapshots } from '../../src/store/verify.js';
import {
  createSnapshotFolders,
  createStoreContext,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

const OLD = Date.now() - 1000 * 3_600_000;

let folders: SnapshotFolders;
let context: StoreContext;

beforeEach(async () => {
  folders = await createSnapshotFolders();
  context = createStoreContext(folders.storeDir);
});

afterEach(async () => {
  await context.purger.settle();
  await folders.dispose();
});

describe('reader leases', () => {
  it('keep a snapshot out of cleanup until the reader is done', async () => {
    const held = await folders.write({ jobId: 'job', createdAtMs: OLD });
    const free = await folders.write({ jobId: 'job', createdAtMs: OLD + 1 });
    const lease = context.leases.acquire('job', held.id);

    const dry = await expireSnapshots(context, { dryRun: true });
    const first = await expireSnapshots(context, {});
    lease.release();
    const second = await expireSnapshots(context, {});

    expect(dry.snapshots.map((s) => s.id)).toEqual([free.id]);
    expect(first.snapshots.map((s) => s.id)).toEqual([free.id]);
    expect(second.snapshots.map((s) => s.id)).toEqual([held.id]);
    await expect(stat(held.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('are refused on a snapshot being removed', async () => {
    const snapshot = await folders.write({ jobId: 'job', createdAtMs: OLD });
    const claim = context.leases.claimRemoval('job', snapshot.id);

    expect(() => context.leases.acquire('job', snapshot.id)).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_BUSY' }),
    );
    expect(context.leases.claimRemoval('job', snapshot.id)).toBeNull();
    claim!.release();
    context.leases.acquire('job', snapshot.id).release();
  });

  it('are released when a verify ends, even in failure', async () => {
    const snapshot = await folders.write({ jobId: 'job', createdAtMs: OLD });

    await verifySnapshots(context, { jobId: 'job', id: snapshot.id });
    await expect(
      verifySnapshots(context, {
        jobId: 'job',
        id: '01J00000000000000000000000',
      }),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });

    expect(context.leases.isLeased('job', snapshot.id)).toBe(false);
    expect(context.leases.isLeased('job', '01J00000000000000000000000')).toBe(
      false,
    );
    expect((await expireSnapshots(context, {})).removed).toBe(1);
  });
});

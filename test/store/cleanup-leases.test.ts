import { stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expireSnapshots } from '../../src/store/expire.js';
import { setPinned } from '../../src/store/pins.js';
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

describe('pins set while a cleanup runs', () => {
  it('are never lost when set after the pins were read', async () => {
    const old = await folders.write({ jobId: 'job', createdAtMs: OLD });
    const pinned = await folders.write({ jobId: 'job', createdAtMs: OLD + 1 });
    // The real store, with a pin written between reading the pins and
    // moving the chosen snapshots out.
    const { backend } = context;
    const probe = backend.probe.bind(backend);
    let pinsRead = 0;
    backend.probe = async (refs, marker) => {
      const found = await probe(refs, marker);
      if (pinsRead++ === 0) {
        await setPinned(context, { jobId: 'job', id: pinned.id }, true);
      }
      return found;
    };

    const result = await expireSnapshots(context, {});

    expect(result.snapshots.map((s) => s.id)).toEqual([old.id]);
    expect((await stat(pinned.path)).isDirectory()).toBe(true);
  });

  it('are never lost while a cleanup moves batch after batch', async () => {
    const snapshots = [];
    for (let i = 0; i < 400; i++) {
      snapshots.push(
        await folders.write({ jobId: 'job', createdAtMs: OLD + i }),
      );
    }
    // Removal goes oldest first: the newest is moved last.
    const last = snapshots[snapshots.length - 1]!;
    let pinning: Promise<boolean> | undefined;

    const result = await expireSnapshots(
      context,
      {},
      {
        onProgress: () => {
          pinning ??= setPinned(context, { jobId: 'job', id: last.id }, true);
        },
      },
    );

    expect(await pinning).toBe(true);
    expect(result.removed).toBe(399);
    expect(result.snapshots.map((s) => s.id)).not.toContain(last.id);
    expect((await stat(last.path)).isDirectory()).toBe(true);
  });

  it('are noticed through the leases taken since the watch began', () => {
    const before = context.leases.acquire('job', 'a');
    const watch = context.leases.watch();
    context.leases.acquire('job', 'b').release();
    watch.close();
    context.leases.acquire('job', 'c').release();
    before.release();

    expect(watch.hasSeen('job', 'a')).toBe(false);
    expect(watch.hasSeen('job', 'b')).toBe(true);
    expect(watch.hasSeen('job', 'c')).toBe(false);
  });
});

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteSnapshot } from '../../src/store/removal.js';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import type { LogLines } from '../support/log-lines.js';
import {
  useFolderStore,
  createStoreContext,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

let folders: SnapshotFolders;
let log: LogLines;
let store: SnapshotManager;

useFolderStore((fixture) => ({ folders, log, store } = fixture));

describe('delete', () => {
  it('removes one snapshot, its emptied job folder and its trash', async () => {
    const snapshot = await folders.write({ jobId: 'job' });

    await store.deleteSnapshot('job', snapshot.id);

    expect(await store.listSnapshots('job')).toEqual([]);
    expect(await readdir(folders.storeDir)).toEqual(['.trash']);
    expect(await readdir(join(folders.storeDir, '.trash'))).toEqual([]);
    expect(log.events('snapshot.deleted')).toEqual([
      expect.objectContaining({ job_id: 'job', id: snapshot.id }),
    ]);
  });

  it('deletes an original-layout snapshot', async () => {
    const original = await folders.writeOriginal('legacy', 1_700_000_000);
    const other = await folders.writeOriginal('legacy', 1_700_000_001);

    await store.deleteSnapshot('legacy', original.id);

    const left = await store.listSnapshots('legacy');
    expect(left.map((s) => s.id)).toEqual([other.id]);
  });

  it('refuses a missing snapshot with SNAPSHOT_NOT_FOUND', async () => {
    await expect(
      store.deleteSnapshot('job', '01J00000000000000000000000'),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });

  it('refuses a pinned snapshot until it is unpinned', async () => {
    const snapshot = await folders.write({ jobId: 'job', pinned: true });

    await expect(
      store.deleteSnapshot('job', snapshot.id),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_PINNED' });
    await stat(snapshot.path);

    await store.setPinned('job', snapshot.id, false);
    await store.deleteSnapshot('job', snapshot.id);
    await expect(stat(snapshot.path)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('refuses a snapshot a reader holds with SNAPSHOT_BUSY', async () => {
    const snapshot = await folders.write({ jobId: 'job' });
    const context = createStoreContext(folders.storeDir);
    const lease = context.leases.acquire('job', snapshot.id);

    await expect(
      deleteSnapshot(context, 'job', snapshot.id),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_BUSY' });
    lease.release();

    await deleteSnapshot(context, 'job', snapshot.id);
    await expect(stat(snapshot.path)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

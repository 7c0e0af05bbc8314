import { describe, expect, it } from 'vitest';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  useFolderStore,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

const OLD = Date.now() - 1000 * 3_600_000;

let folders: SnapshotFolders;
let store: SnapshotManager;

useFolderStore((fixture) => ({ folders, store } = fixture));

describe('pins', () => {
  it('keeps a pinned snapshot through cleanup, and lets it go once unpinned', async () => {
    const snapshot = await folders.write({ jobId: 'job', createdAtMs: OLD });

    expect(await store.setPinned('job', snapshot.id, true)).toBe(true);
    expect(await store.cleanup()).toBe(0);
    expect((await store.getSnapshot('job', snapshot.id)).pinned).toBe(true);

    expect(await store.setPinned('job', snapshot.id, false)).toBe(false);
    expect((await store.getSnapshot('job', snapshot.id)).pinned).toBe(false);
    expect(await store.cleanup()).toBe(1);
  });

  it('pins and unpins idempotently', async () => {
    const snapshot = await folders.write({ jobId: 'job' });

    await store.setPinned('job', snapshot.id, true);
    await store.setPinned('job', snapshot.id, true);
    expect((await store.getSnapshot('job', snapshot.id)).pinned).toBe(true);

    await store.setPinned('job', snapshot.id, false);
    await store.setPinned('job', snapshot.id, false);
    expect((await store.getSnapshot('job', snapshot.id)).pinned).toBe(false);
  });

  it('pins an original-layout snapshot too', async () => {
    const seconds = Math.floor(OLD / 1000);
    const original = await folders.writeOriginal('legacy', seconds);

    await store.setPinned('legacy', original.id, true);

    expect(await store.cleanup()).toBe(0);
    const listed = await store.listSnapshots('legacy');
    expect(listed.map((s) => [s.id, s.files])).toEqual([[original.id, 2]]);
  });

  it('refuses a snapshot that does not exist', async () => {
    await expect(
      store.setPinned('job', '01J00000000000000000000000', true),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });
});

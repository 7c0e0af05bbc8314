import { lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SnapshotManager } from '../../src/store/snapshot-manager.js';
import type { LogLines } from '../support/log-lines.js';
import { waitForNoLeftovers } from '../support/snapshot-audit.js';
import {
  useFolderStore,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

const HOUR = 3_600_000;

let folders: SnapshotFolders;
let log: LogLines;
let store: SnapshotManager;

useFolderStore((fixture) => ({ folders, log, store } = fixture));

function hoursAgo(hours: number): number {
  return Date.now() - hours * HOUR;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function listIds(jobId: string): Promise<string[]> {
  return (await store.listSnapshots(jobId)).map((s) => s.id);
}

describe('cleanup by age', () => {
  it('removes snapshots older than the limit and returns their count', async () => {
    const old = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(200),
    });
    const fresh = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(1),
    });

    const removed = await store.cleanup();

    expect(removed).toBe(1);
    expect(await listIds('job')).toEqual([fresh.id]);
    expect(await exists(old.path)).toBe(false);
  });

  it('takes a custom age limit in hours', async () => {
    await folders.write({ jobId: 'job', createdAtMs: hoursAgo(3) });
    const kept = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(1),
    });

    expect(await store.cleanup({ maxAgeHours: 2 })).toBe(1);
    expect(await listIds('job')).toEqual([kept.id]);
  });

  it('expires original-layout folders by the time in their name', async () => {
    const seconds = Math.floor(hoursAgo(200) / 1000);
    const old = await folders.writeOriginal('legacy', seconds);
    const recent = await folders.writeOriginal('legacy', seconds + 199 * 3600);

    const result = await store.expire({});

    expect(result.snapshots).toEqual([
      { job_id: 'legacy', id: old.id, reason: 'max_age' },
    ]);
    expect(result.freed_bytes).toBe(old.bytes);
    expect(await listIds('legacy')).toEqual([recent.id]);
  });

  it('removes job folders left empty, and keeps the others', async () => {
    await folders.write({ jobId: 'gone', createdAtMs: hoursAgo(300) });
    await folders.write({ jobId: 'kept', createdAtMs: hoursAgo(300) });
    await folders.write({ jobId: 'kept', createdAtMs: hoursAgo(1) });
    await mkdir(join(folders.storeDir, 'already-empty'));

    await store.cleanup();

    expect(await readdir(folders.storeDir)).not.toContain('gone');
    expect(await readdir(folders.storeDir)).not.toContain('already-empty');
    expect(await listIds('kept')).toHaveLength(1);
  });

  it('ignores files and folders that are not snapshots', async () => {
    const job = join(folders.storeDir, 'job');
    const strays = [
      join(job, 'notes'),
      join(job, '.hidden'),
      join(folders.storeDir, '.cache'),
    ];
    for (const stray of strays) {
      await mkdir(stray, { recursive: true });
      await writeFile(join(stray, 'keep.txt'), 'mine');
    }
    await writeFile(join(job, '12345.txt'), 'a file with digits');
    await writeFile(join(folders.storeDir, 'README'), 'a file');

    expect(await store.cleanup({ maxAgeHours: 0 })).toBe(0);
    for (const stray of strays) {
      expect(await exists(join(stray, 'keep.txt'))).toBe(true);
    }
    expect(await exists(join(job, '12345.txt'))).toBe(true);
    expect(await exists(join(folders.storeDir, 'README'))).toBe(true);
  });

  it('never follows a symlinked job folder, and says so', async () => {
    const outside = join(folders.root, 'outside');
    await mkdir(join(outside, '1000'), { recursive: true });
    await writeFile(join(outside, '1000', 'precious.json'), '{}');
    await symlink(outside, join(folders.storeDir, 'linked-job'));

    expect(await store.cleanup({ maxAgeHours: 0 })).toBe(0);

    expect(await exists(join(outside, '1000', 'precious.json'))).toBe(true);
    expect(await exists(join(folders.storeDir, 'linked-job'))).toBe(true);
    expect(log.events('snapshot.skipped_symlink')).toEqual([
      expect.objectContaining({
        path: join(folders.storeDir, 'linked-job'),
      }),
    ]);
  });

  it('never follows a symlinked snapshot folder', async () => {
    const outside = join(folders.root, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, 'precious.log'), 'keep me');
    const real = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(900),
    });
    const link = join(folders.storeDir, 'job', '1000');
    await symlink(outside, link);

    expect(await store.cleanup({ maxAgeHours: 0 })).toBe(1);

    expect(await exists(join(outside, 'precious.log'))).toBe(true);
    expect(await exists(link)).toBe(true);
    expect(await exists(real.path)).toBe(false);
    expect(log.events('snapshot.skipped_symlink')).toHaveLength(1);
  });
});

describe('cleanup by policy', () => {
  it("keeps each job's newest N whatever their age", async () => {
    const a = [];
    for (const hours of [500, 400, 300]) {
      a.push(await folders.write({ jobId: 'a', createdAtMs: hoursAgo(hours) }));
    }
    const b = await folders.write({ jobId: 'b', createdAtMs: hoursAgo(600) });

    const result = await store.expire({ keepLast: 2 });

    expect(result.snapshots).toEqual([
      { job_id: 'a', id: a[0]!.id, reason: 'max_age' },
    ]);
    expect(await listIds('b')).toEqual([b.id]);
  });

  it('enforces the quota oldest first across jobs', async () => {
    const file = { 'state.json': 'x'.repeat(100) };
    const a1 = await folders.write({
      jobId: 'a',
      createdAtMs: hoursAgo(5),
      files: file,
    });
    const b1 = await folders.write({
      jobId: 'b',
      createdAtMs: hoursAgo(4),
      files: file,
    });
    const a2 = await folders.write({
      jobId: 'a',
      createdAtMs: hoursAgo(3),
      files: file,
    });
    await folders.write({ jobId: 'b', createdAtMs: hoursAgo(2), files: file });

    const result = await store.expire({ maxTotalBytes: 150 });

    expect(result).toEqual({
      removed: 3,
      freed_bytes: 300,
      snapshots: [a1, b1, a2].map((s) => ({
        job_id: s.jobId,
        id: s.id,
        reason: 'quota',
      })),
    });
    const jobs = await store.listJobs();
    expect(jobs.map((j) => [j.job_id, j.bytes])).toEqual([['b', 100]]);
  });

  it('never removes a pinned snapshot, by age or by quota', async () => {
    const pinned = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(1000),
      pinned: true,
    });
    await folders.write({ jobId: 'job', createdAtMs: hoursAgo(1) });

    const result = await store.expire({ maxAgeHours: 0, maxTotalBytes: 0 });

    expect(result.removed).toBe(1);
    expect(await listIds('job')).toEqual([pinned.id]);
  });

  it('removes only from the named job', async () => {
    const other = await folders.write({
      jobId: 'other',
      createdAtMs: hoursAgo(900),
    });
    await folders.write({ jobId: 'job', createdAtMs: hoursAgo(900) });

    const result = await store.expire({ jobId: 'job' });

    expect(result.snapshots.map((s) => s.job_id)).toEqual(['job']);
    expect(await listIds('other')).toEqual([other.id]);
  });

  it('refuses a policy it cannot apply, naming the field', async () => {
    await expect(store.expire({ keepLast: -1 })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'keep_last' },
    });
    await expect(store.expire({ jobId: '../up' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'job_id' },
    });
  });

  it('logs what it removed and how long it took', async () => {
    const old = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(900),
    });

    await store.cleanup();

    expect(log.events('snapshot.cleanup')).toEqual([
      expect.objectContaining({
        removed: 1,
        freed_bytes: old.bytes,
        ms: expect.any(Number),
      }),
    ]);
  });
});

describe('dry run', () => {
  it('lists exactly what the real run then removes, removing nothing', async () => {
    const file = { 'a.json': 'y'.repeat(50) };
    for (let i = 0; i < 30; i++) {
      await folders.write({
        jobId: `job-${i % 4}`,
        createdAtMs: hoursAgo(i * 13),
        files: file,
        pinned: i % 7 === 0,
      });
    }
    const policy = { maxAgeHours: 200, keepLast: 2, maxTotalBytes: 600 };
    const before = await store.listJobs();

    const dry = await store.expire({ ...policy, dryRun: true });
    const unchanged = await store.listJobs();
    const real = await store.expire(policy);

    expect(unchanged).toEqual(before);
    expect(dry.removed).toBeGreaterThan(0);
    expect(real).toEqual(dry);
    const left = await Promise.all(
      before.map((job) => store.listSnapshots(job.job_id)),
    );
    const leftIds = new Set(left.flat().map((s) => s.id));
    for (const removed of real.snapshots) {
      expect(leftIds.has(removed.id)).toBe(false);
    }
    const total = before.reduce((sum, job) => sum + job.snapshots, 0);
    expect(leftIds.size).toBe(total - real.removed);
  });
});

describe('progress and cancellation', () => {
  it('reports progress and stops between batches when cancelled', async () => {
    for (let i = 0; i < 200; i++) {
      await folders.write({ jobId: 'job', createdAtMs: hoursAgo(300 + i) });
    }
    const controller = new AbortController();
    const progress: number[] = [];

    const outcome = store.expire(
      {},
      {
        signal: controller.signal,
        onProgress: (p) => {
          expect(p).toMatchObject({ stage: 'cleanup', total: 200 });
          progress.push(p.done);
          controller.abort();
        },
      },
    );

    await expect(outcome).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    expect(progress).toHaveLength(1);
    const left = await listIds('job');
    expect(left.length).toBe(200 - progress[0]!);
    // What was moved before the cancel is purged (after the reply), not
    // left in the trash.
    expect(await waitForNoLeftovers(folders.storeDir)).toEqual([]);
  });
});

describe('a planted trash link', () => {
  it('is never followed: the cleanup is refused and nothing moves', async () => {
    const outside = join(folders.root, 'outside-trash');
    await mkdir(outside);
    await writeFile(join(outside, 'precious'), 'keep me');
    await symlink(outside, join(folders.storeDir, '.trash'));
    const old = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(900),
    });

    await expect(store.cleanup()).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    await store.close();

    expect(await readdir(outside)).toEqual(['precious']);
    expect(await listIds('job')).toEqual([old.id]);
    expect(log.events('snapshot.cleanup_failed').length).toBeGreaterThan(0);
  });
});

describe('concurrent cleanups', () => {
  it('remove each snapshot once, reported by one of them', async () => {
    const expired = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const job = `job-${i % 3}`;
      const old = await folders.write({
        jobId: job,
        createdAtMs: hoursAgo(300 + i),
      });
      expired.add(old.id);
    }

    const [first, second] = await Promise.all([
      store.expire({}),
      store.expire({}),
    ]);

    const reported = [...first.snapshots, ...second.snapshots].map((s) => s.id);
    expect(reported.sort()).toEqual([...expired].sort());
    expect(await store.listJobs()).toEqual([]);
  });
});

describe('cancellation before removal', () => {
  it('removes nothing when cancelled while taking stock', async () => {
    const old = await folders.write({
      jobId: 'job',
      createdAtMs: hoursAgo(900),
    });

    const outcome = store.expire({}, { signal: AbortSignal.abort() });

    await expect(outcome).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    expect(await listIds('job')).toEqual([old.id]);
  });
});

describe('two-phase removal', () => {
  it('purges what a crash left in the trash when the store opens', async () => {
    const trash = join(folders.storeDir, '.trash');
    const half = join(trash, 'job~01J00000000000000000000000~abcd');
    await mkdir(join(half, '.marianne-snapshot'), { recursive: true });
    await writeFile(join(half, 'state.json'), '{}');
    const kept = await folders.write({ jobId: 'job' });

    await store.open();
    await store.close();

    expect(await readdir(trash)).toEqual([]);
    expect(await listIds('job')).toEqual([kept.id]);
    expect(log.events('snapshot.purged')).toEqual([
      expect.objectContaining({ removed: 1 }),
    ]);
  });

  it('lets captures into a job run while cleanup empties it', async () => {
    for (let i = 0; i < 40; i++) {
      await folders.write({ jobId: 'busy', createdAtMs: hoursAgo(500 + i) });
    }
    const workspace = join(folders.root, 'ws');
    await mkdir(workspace);
    await writeFile(join(workspace, 'state.json'), '{"n":1}');

    const [cleaned, ...captured] = await Promise.all([
      store.cleanup(),
      ...Array.from({ length: 10 }, () => store.capture('busy', workspace)),
    ]);

    expect(cleaned).toBe(40);
    const ids = await listIds('busy');
    expect(ids.sort()).toEqual(captured.map((s) => s!.id).sort());
  });
});

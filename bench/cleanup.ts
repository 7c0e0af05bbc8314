/**
 * Cleanup of a large store next to `rm -rf` of the same expired folders,
 * each on a fresh copy of one generated store, in alternating turns; and
 * the listing of a job with 10,000 snapshots (the first page, and all).
 * Snapshots are in the current layout: a ULID folder with a manifest and
 * one small artifact, a tenth of them past the age limit.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { SnapshotManager } from '../src/store/snapshot-manager.js';
import { measureAlternating, median, type BenchResult } from './report.js';
import { writeStore } from './modern-store.js';
import { jobName } from './workloads.js';

const run = promisify(execFile);
const MAX_AGE_HOURS = 168;
const LIST_JOB_SNAPSHOTS = 10_000;

// Memory-backed when there is one: this machine's shared virtual disk
// spends milliseconds of system time per file, which would bury what
// cleanup itself costs; `rm -rf` runs on the same filesystem either way.
async function chooseScratch(): Promise<string> {
  const shm = '/dev/shm';
  const isWritable = await access(shm, constants.W_OK).then(
    () => true,
    () => false,
  );
  return isWritable ? shm : tmpdir();
}

async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

// `rm -rf` of the given folders, as few processes as the argument limit allows.
async function removeWithRm(folders: readonly string[]): Promise<void> {
  for (let i = 0; i < folders.length; i += 4_000) {
    await run('rm', ['-rf', ...folders.slice(i, i + 4_000)]);
  }
}

export async function benchCleanup(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const jobs = options.quick ? 100 : 1000;
  const rounds = options.quick ? 2 : 1;
  const work = await mkdtemp(join(await chooseScratch(), 'marianne-cleanup-'));
  const template = join(work, 'template');

  try {
    const generated = performance.now();
    const expired = await writeStore(template, {
      jobs,
      perJob: 100,
      expiredFraction: 0.1,
      maxAgeHours: MAX_AGE_HOURS,
      seed: 11,
    });
    const generateMs = performance.now() - generated;
    const relative = expired.map((f) => relativePath(template, f));

    // `rm -rf` needs only the expired folders, in their job folders.
    const subsets: string[] = [];
    for (let i = 0; i < rounds; i += 1) {
      subsets.push(await copySubset(template, relative, join(work, `rm-${i}`)));
    }
    const removedCounts: number[] = [];
    const purgedMs: number[] = [];
    let cleanups = 0;
    const timings = await measureAlternating({
      rounds,
      a: async () => {
        // The last cleanup runs on the template itself: one copy fewer.
        const isLast = ++cleanups === rounds;
        const dir = isLast ? template : join(work, `cleanup-${cleanups}`);
        if (!isLast) await run('cp', ['-al', template, dir]);
        const ms = await timeCleanup(dir, { removedCounts, purgedMs });
        await rm(dir, { recursive: true, force: true });
        return ms;
      },
      b: async () => {
        const dir = subsets.shift()!;
        const ms = await timeMs(() =>
          removeWithRm(relative.map((f) => join(dir, f))),
        );
        await rm(dir, { recursive: true, force: true });
        return ms;
      },
    });

    const cleanupMs = median(timings.a);
    const rmMs = median(timings.b);
    const total = jobs * 100;
    const size = `${total.toLocaleString('en')} snapshots in ${jobs} jobs`;
    const untilPurgedMs = median(purgedMs);
    return [
      {
        name: `cleanup: ${size}, a tenth expired, until the trash is empty`,
        unit: 'ms',
        median: untilPurgedMs,
        limitName: 'rm -rf of the same folders',
        limitMedian: rmMs,
        ratio: untilPurgedMs / rmMs,
        note:
          'the same runs as the reply below, timed until the deletion ' +
          'that follows the reply has ended',
      },
      {
        name: `cleanup: ${size}, a tenth expired`,
        unit: 'ms',
        median: cleanupMs,
        limitName: 'rm -rf of the same folders',
        limitMedian: rmMs,
        ratio: cleanupMs / rmMs,
        goal: 'removes every expired snapshot',
        met: removedCounts.every((n) => n === expired.length),
        note:
          'until the reply (snapshots out of view; deleted just after); ' +
          `${expired.length} expired; ${rounds} alternating round(s) on ` +
          `fresh copies in ${work.startsWith('/dev/shm') ? 'tmpfs' : 'tmp'}; ` +
          `store written in ${Math.round(generateMs)} ms`,
      },
      ...(await benchListing(work)),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function relativePath(root: string, path: string): string {
  return path.slice(root.length + 1);
}

// Hard-linked copies of the given snapshot folders, under their job folders.
async function copySubset(
  template: string,
  relative: readonly string[],
  dest: string,
): Promise<string> {
  await mkdir(dest);
  for (let i = 0; i < relative.length; i += 4_000) {
    const batch = relative.slice(i, i + 4_000);
    await run('cp', ['-al', '--parents', ...batch, dest], { cwd: template });
  }
  return dest;
}

// Times the cleanup to its reply, and on to the end of the deletion
// that follows it (close() waits for that).
async function timeCleanup(
  dir: string,
  record: { removedCounts: number[]; purgedMs: number[] },
): Promise<number> {
  const store = new SnapshotManager({ baseDir: dir });
  await store.open();
  const started = performance.now();
  const result = await store.expire({ maxAgeHours: MAX_AGE_HOURS });
  const replied = performance.now();
  await store.close();
  record.purgedMs.push(performance.now() - started);
  record.removedCounts.push(result.removed);
  return replied - started;
}

// Listing one job of 10,000 snapshots, by a freshly opened store (nothing
// cached) and again by the same store.
async function benchListing(work: string): Promise<BenchResult[]> {
  const dir = join(work, 'list-store');
  await writeStore(dir, {
    jobs: 1,
    perJob: LIST_JOB_SNAPSHOTS,
    expiredFraction: 0,
    maxAgeHours: MAX_AGE_HOURS,
    seed: 3,
  });
  const jobId = jobName(0);
  const page: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];

  for (let i = 0; i < 3; i += 1) {
    const store = new SnapshotManager({ baseDir: dir });
    await store.open();
    page.push(await timeMs(() => store.listSnapshots(jobId, { limit: 100 })));
    cold.push(await timeMs(() => store.listSnapshots(jobId)));
    warm.push(await timeMs(() => store.listSnapshots(jobId)));
    await store.close();
  }

  const name = `list: a job of ${LIST_JOB_SNAPSHOTS.toLocaleString('en')}`;
  const note = 'median of 3, each by a newly opened store';
  return [
    { name: `${name}, first 100`, unit: 'ms', median: median(page), note },
    { name: `${name}, all`, unit: 'ms', median: median(cold), note },
    {
      name: `${name}, all, listed before`,
      unit: 'ms',
      median: median(warm),
      note,
    },
  ];
}

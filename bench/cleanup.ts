/**
 * Cleanup of a large store next to `rm -rf` of the same expired folders,
 * each on a fresh copy of one generated store, in alternating turns; and
 * the listing of a job with 10,000 snapshots (the first page, and all).
 * Snapshots are in the current layout: a ULID folder with a manifest and
 * one small artifact, a tenth of them past the age limit.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { MANIFEST_FILE, META_DIR } from '../src/store/layout.js';
import { MANIFEST_FORMAT, serializeManifest } from '../src/store/manifest.js';
import { SnapshotManager } from '../src/store/snapshot-manager.js';
import { UlidFactory } from '../src/store/ulid.js';
import { measureAlternating, median, type BenchResult } from './report.js';
import { createRandom, jobName } from './workloads.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const MAX_AGE_HOURS = 168;
const LIST_JOB_SNAPSHOTS = 10_000;
const ARTIFACT = 'run finished\n';
const ARTIFACT_SHA = createHash('sha256').update(ARTIFACT).digest('hex');

interface StoreShape {
  jobs: number;
  perJob: number;
  expiredFraction: number;
  seed: number;
}

// Writes the store; returns the expired snapshot folders.
export async function writeStore(
  dir: string,
  shape: StoreShape,
): Promise<string[]> {
  const random = createRandom(shape.seed);
  const now = Date.now();
  const planned: { jobId: string; createdAtMs: number; expired: boolean }[] =
    [];
  for (let job = 0; job < shape.jobs; job += 1) {
    for (let i = 0; i < shape.perJob; i += 1) {
      const expired = random.next() < shape.expiredFraction;
      const age = expired ? (MAX_AGE_HOURS + 1) * HOUR : 0;
      planned.push({
        jobId: jobName(job),
        createdAtMs: now - age - i * 7_000,
        expired,
      });
    }
  }

  const expired: string[] = [];
  const batch = 256;
  for (let i = 0; i < planned.length; i += batch) {
    const paths = await Promise.all(
      planned.slice(i, i + batch).map((p) => writeSnapshot(dir, p)),
    );
    paths.forEach((path, j) => planned[i + j]!.expired && expired.push(path));
  }
  return expired;
}

async function writeSnapshot(
  store: string,
  planned: { jobId: string; createdAtMs: number },
): Promise<string> {
  const id = new UlidFactory(() => planned.createdAtMs).next();
  const folder = join(store, planned.jobId, id);
  await mkdir(join(folder, META_DIR), { recursive: true, mode: 0o700 });
  await writeFile(join(folder, 'marianne.log'), ARTIFACT, { mode: 0o600 });
  const manifest = serializeManifest({
    format: MANIFEST_FORMAT,
    job_id: planned.jobId,
    id,
    timestamp: String(Math.floor(planned.createdAtMs / 1000)),
    created_at: new Date(planned.createdAtMs).toISOString(),
    workspace: '/workspace',
    artifacts: [
      {
        name: 'marianne.log',
        bytes: ARTIFACT.length,
        sha256: ARTIFACT_SHA,
        source: '/workspace/marianne.log',
        role: 'workspace',
        mtime_ms: planned.createdAtMs,
      },
    ],
    failed: [],
    git: null,
    observer: null,
  });
  await writeFile(join(folder, META_DIR, MANIFEST_FILE), manifest, {
    mode: 0o600,
  });
  return folder;
}

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
  const rounds = 2;
  const work = await mkdtemp(join(await chooseScratch(), 'marianne-cleanup-'));
  const template = join(work, 'template');

  try {
    const generated = performance.now();
    const expired = await writeStore(template, {
      jobs,
      perJob: 100,
      expiredFraction: 0.1,
      seed: 11,
    });
    const generateMs = performance.now() - generated;
    const total = jobs * 100;

    let round = 0;
    const removedCounts: number[] = [];
    const fresh = async (): Promise<string> => {
      const copy = join(work, `copy-${round++}`);
      // Hard links: folders are made anew, file contents are shared.
      await run('cp', ['-al', template, copy]);
      return copy;
    };
    const timings = await measureAlternating({
      rounds,
      a: async () => {
        const copy = await fresh();
        const store = new SnapshotManager({ baseDir: copy });
        await store.open();
        const ms = await timeMs(async () => {
          const result = await store.expire({ maxAgeHours: MAX_AGE_HOURS });
          removedCounts.push(result.removed);
        });
        await store.close();
        await rm(copy, { recursive: true, force: true });
        return ms;
      },
      b: async () => {
        const copy = await fresh();
        const folders = expired.map((f) => copy + f.slice(template.length));
        const ms = await timeMs(() => removeWithRm(folders));
        await rm(copy, { recursive: true, force: true });
        return ms;
      },
    });
    await rm(template, { recursive: true, force: true });

    const cleanupMs = median(timings.a);
    const rmMs = median(timings.b);
    const allRemoved = removedCounts.every((n) => n === expired.length);
    const size = `${total.toLocaleString('en')} snapshots in ${jobs} jobs`;
    return [
      {
        name: `cleanup: ${size}, a tenth expired`,
        unit: 'ms',
        median: cleanupMs,
        limitName: 'rm -rf of the same folders',
        limitMedian: rmMs,
        ratio: cleanupMs / rmMs,
        goal: 'removes every expired snapshot',
        met: allRemoved,
        note:
          `${expired.length} expired; ${rounds} alternating rounds on fresh ` +
          `copies; store written in ${Math.round(generateMs)} ms`,
      },
      ...(await benchListing(work)),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// Listing one job of 10,000 snapshots, by a freshly opened store each time
// (nothing cached) and by one that listed it before.
async function benchListing(work: string): Promise<BenchResult[]> {
  const dir = join(work, 'list-store');
  await writeStore(dir, {
    jobs: 1,
    perJob: LIST_JOB_SNAPSHOTS,
    expiredFraction: 0,
    seed: 3,
  });
  const jobId = jobName(0);
  const measure = async (limit: number | undefined, warm: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const store = new SnapshotManager({ baseDir: dir });
      await store.open();
      if (warm) await store.listSnapshots(jobId);
      times.push(await timeMs(() => store.listSnapshots(jobId, { limit })));
      await store.close();
    }
    return median(times);
  };

  const name = `list: a job of ${LIST_JOB_SNAPSHOTS.toLocaleString('en')}`;
  const results: BenchResult[] = [
    {
      name: `${name}, first 100`,
      unit: 'ms',
      median: await measure(100, false),
    },
    {
      name: `${name}, all`,
      unit: 'ms',
      median: await measure(undefined, false),
    },
    {
      name: `${name}, all, listed before`,
      unit: 'ms',
      median: await measure(undefined, true),
    },
  ];
  results.forEach((r) => (r.note = 'median of 3'));
  return results;
}

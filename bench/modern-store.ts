/**
 * A store in the current layout, written fast for benchmarks: each
 * snapshot a ULID folder with one small artifact and its manifest, a
 * chosen fraction of them past the age limit.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, META_DIR } from '../src/store/layout.js';
import { MANIFEST_FORMAT, serializeManifest } from '../src/store/manifest.js';
import { UlidFactory } from '../src/store/ulid.js';
import { createRandom, jobName } from './workloads.js';

const HOUR = 3_600_000;
const ARTIFACT = 'run finished\n';
const ARTIFACT_SHA = createHash('sha256').update(ARTIFACT).digest('hex');

export interface StoreShape {
  /** Snapshots past this age are the expired ones. */
  maxAgeHours: number;
  jobs: number;
  perJob: number;
  expiredFraction: number;
  seed: number;
}

/** Writes the store; returns the expired snapshot folders. */
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
      const age = expired ? (shape.maxAgeHours + 1) * HOUR : 0;
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

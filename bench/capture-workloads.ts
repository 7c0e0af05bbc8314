/**
 * The capture benchmark's inputs, seeded: a typical workspace inside a git
 * repository, a workspace of many small JSON files, and a store holding
 * one job with thousands of manifest snapshots.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MANIFEST_FILE, META_DIR } from '../src/store/layout.js';
import { MANIFEST_FORMAT, serializeManifest } from '../src/store/manifest.js';
import { UlidFactory } from '../src/store/ulid.js';
import { CAPTURE_PATTERNS } from '../src/store/workspace-scan.js';
import { createRandom, writeWorkspace } from './workloads.js';

const run = promisify(execFile);

/** 12 captured files, about 7 MB, a 40,000-event timeline. */
export const TYPICAL = {
  jsonFiles: 9,
  jsonBytes: 120_000,
  logBytes: 3_000_000,
  observerEvents: 40_000,
  seed: 7,
};

export const SMALL_FILES = {
  jsonFiles: 2_000,
  jsonBytes: 300,
  logBytes: 2_000,
  observerEvents: 20,
  seed: 11,
};

/** The workspace as a git repository with a few hundred tracked files. */
export async function makeRepository(
  dir: string,
  trackedFiles: number,
): Promise<void> {
  const random = createRandom(3);
  await mkdir(join(dir, 'src'), { recursive: true });
  for (let i = 0; i < trackedFiles; i += 1) {
    const body = random.bytes(400).toString('base64');
    await writeFile(join(dir, 'src', `module-${i}.txt`), body);
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  await run('git', ['-C', dir, 'init', '-q', '-b', 'main'], { env });
  await run('git', ['-C', dir, 'add', '-A'], { env });
  await run('git', ['-C', dir, 'commit', '-q', '-m', 'bench'], { env });
  // Changes after the commit, so status has something to say.
  await writeFile(join(dir, 'src', 'module-0.txt'), 'changed');
}

export async function makeWorkspace(
  dir: string,
  shape: typeof TYPICAL,
  options: { repository: boolean },
): Promise<void> {
  await writeWorkspace(dir, shape);
  if (options.repository) await makeRepository(dir, 300);
}

/** The files a capture would take, for `cp -p` to copy the same. */
export async function capturedPaths(dir: string): Promise<string[]> {
  const suffixes = CAPTURE_PATTERNS.map((p) => p.replace('*', ''));
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
    .map((e) => join(dir, e.name));
}

/** One job with `count` small manifest snapshots, written directly. */
export async function writeManySnapshots(
  storeDir: string,
  jobId: string,
  count: number,
): Promise<void> {
  let now = Date.UTC(2026, 0, 1);
  const ids = new UlidFactory(() => (now += 1000));
  const jobDir = join(storeDir, jobId);

  await mkdir(jobDir, { recursive: true });
  for (let i = 0; i < count; i += 64) {
    const batch = Array.from({ length: Math.min(64, count - i) }, () =>
      ids.next(),
    );
    await Promise.all(
      batch.map(async (id) => {
        const meta = join(jobDir, id, META_DIR);
        await mkdir(meta, { recursive: true });
        await writeFile(join(jobDir, id, 'state.json'), '{}');
        const manifest = {
          format: MANIFEST_FORMAT,
          job_id: jobId,
          id,
          timestamp: '0',
          created_at: new Date(0).toISOString(),
          workspace: '/bench',
          artifacts: [
            {
              name: 'state.json',
              bytes: 2,
              sha256: '0'.repeat(64),
              source: '/bench/state.json',
              role: 'workspace' as const,
              mtime_ms: 0,
            },
          ],
          failed: [],
          git: null,
          observer: null,
        };
        await writeFile(join(meta, MANIFEST_FILE), serializeManifest(manifest));
      }),
    );
  }
}

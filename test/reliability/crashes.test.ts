/**
 * SIGKILL at seeded random points of captures and cleanups: after each
 * restart no partial snapshot is listed, every listed snapshot matches its
 * manifest, nothing outside the job being cleaned is lost, and nothing is
 * left in the store's staging or trash folders.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcConnection } from '../../bench/harness/rpc-connection.js';
import { createRandom, writeWorkspace } from '../../bench/workloads.js';
import {
  startDaemonFixture,
  type DaemonFixture,
} from '../support/daemon-under-test.js';
import {
  auditSnapshot,
  waitForNoLeftovers,
} from '../support/snapshot-audit.js';

interface ListedSnapshot {
  id: string;
  path: string;
}

const ROUNDS = 20;
const CLEANUP_JOBS = ROUNDS + 1;
const SNAPSHOTS_PER_CLEANUP_JOB = 6;

async function listIds(
  connection: RpcConnection,
  jobId: string,
): Promise<ListedSnapshot[]> {
  const result = await connection.call<{ snapshots: ListedSnapshot[] }>(
    'snapshot.list',
    { job_id: jobId },
  );
  return result.snapshots;
}

// Sends a request, waits `delayMs`, then kills the daemon; says whether the
// reply arrived before the kill.
async function killDuring(
  fixture: DaemonFixture,
  method: string,
  params: unknown,
  delayMs: number,
): Promise<boolean> {
  const connection = await fixture.connect();
  let replied = false;
  const request = connection.request(method, params, { timeoutMs: 120_000 });
  request.then(
    () => (replied = true),
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, delayMs));
  await fixture.daemon.kill();
  return replied;
}

// Restarts on the same store and reports what open() left behind.
async function restartAndAudit(
  fixture: DaemonFixture,
): Promise<{ connection: RpcConnection; problems: string[] }> {
  await fixture.restart();
  const connection = await fixture.connect();
  const problems = (await waitForNoLeftovers(fixture.store)).map(
    (entry) => `left after open: ${entry}`,
  );
  return { connection, problems };
}

async function timeRequest(
  connection: RpcConnection,
  method: string,
  params: unknown,
): Promise<number> {
  const started = performance.now();
  await connection.call(method, params, { timeoutMs: 120_000 });
  return performance.now() - started;
}

/**
 * Captures `count` real snapshots once, then gives every job a byte-exact
 * copy of them (manifest rewritten for the job): many jobs of real
 * snapshots without paying a capture's fsyncs for each.
 */
async function fillJobsFromCaptures(
  connection: RpcConnection,
  store: string,
  options: { jobIds: string[]; workspace: string; count: number },
): Promise<void> {
  const seedJob = 'crash-seed';
  for (let i = 0; i < options.count; i += 1) {
    await connection.call('snapshot.capture', {
      job_id: seedJob,
      workspace: options.workspace,
    });
  }
  const seeds = await listIds(connection, seedJob);
  for (const jobId of options.jobIds) {
    await mkdir(join(store, jobId), { mode: 0o700 });
    for (const seed of seeds) {
      const target = join(store, jobId, seed.id);
      await cp(seed.path, target, {
        recursive: true,
        preserveTimestamps: true,
      });
      const manifestPath = join(target, '.marianne-snapshot', 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      await writeFile(
        manifestPath,
        JSON.stringify({ ...manifest, job_id: jobId }),
      );
    }
  }
}

describe('crashes', () => {
  let fixture: DaemonFixture;
  let bigWorkspace: string;
  let smallWorkspace: string;

  beforeAll(async () => {
    fixture = await startDaemonFixture();
    bigWorkspace = join(fixture.root, 'big');
    smallWorkspace = join(fixture.root, 'small');
    await writeWorkspace(bigWorkspace, {
      jsonFiles: 120,
      jsonBytes: 16 * 1024,
      logBytes: 12 * 1024 * 1024,
      observerEvents: 20_000,
      seed: 11,
    });
    await writeWorkspace(smallWorkspace, {
      jsonFiles: 150,
      jsonBytes: 512,
      logBytes: 4096,
      observerEvents: 100,
      seed: 12,
    });
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('keeps every listed snapshot complete when killed during captures', async () => {
    const random = createRandom(2026);
    const jobId = 'crash-capture';
    let connection = await fixture.connect();
    const calibrationMs = await timeRequest(connection, 'snapshot.capture', {
      job_id: jobId,
      workspace: bigWorkspace,
    });
    let listed = await listIds(connection, jobId);
    const problems: string[] = [];
    let repliedBeforeKill = 0;
    let keptWithoutReply = 0;

    for (let round = 0; round < ROUNDS; round += 1) {
      const delayMs = random.next() * calibrationMs * 1.2;
      const replied = await killDuring(
        fixture,
        'snapshot.capture',
        { job_id: jobId, workspace: bigWorkspace },
        delayMs,
      );
      const restarted = await restartAndAudit(fixture);
      connection = restarted.connection;
      problems.push(...restarted.problems);

      const after = await listIds(connection, jobId);
      const before = new Set(listed.map((s) => s.id));
      const added = after.filter((s) => !before.has(s.id));
      const lost = listed.filter((s) => !after.some((a) => a.id === s.id));
      if (lost.length > 0) problems.push(`round ${round} lost ${lost.length}`);
      if (added.length > 1)
        problems.push(`round ${round} added ${added.length}`);
      if (replied) repliedBeforeKill += 1;
      if (!replied && added.length === 1) keptWithoutReply += 1;
      if (replied && added.length !== 1) {
        problems.push(`round ${round}: a replied capture is not listed`);
      }
      for (const snapshot of added) {
        problems.push(...(await auditSnapshot(snapshot.path)));
      }
      listed = after;
    }

    const verify = await connection.call<{ ok: boolean; checked: number }>(
      'snapshot.verify',
      { job_id: jobId },
    );
    console.log(
      `[reliability] crashes/capture: ${ROUNDS} captures of a ` +
        `124-file 14 MB workspace killed at seeded points ` +
        `(0-${Math.round(calibrationMs * 1.2)} ms); ${repliedBeforeKill} ` +
        `finished before the kill, ${keptWithoutReply} completed unanswered, ` +
        `${ROUNDS - repliedBeforeKill - keptWithoutReply} left nothing; ` +
        `${listed.length} listed, ${verify.checked} verified, ` +
        `${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(verify.ok).toBe(true);
    expect(verify.checked).toBe(listed.length);
  });

  it('never lists a half-removed snapshot when killed during cleanups', async () => {
    const random = createRandom(4711);
    let connection = await fixture.connect();
    const jobIds = Array.from(
      { length: CLEANUP_JOBS },
      (_, i) => `crash-clean-${String(i).padStart(2, '0')}`,
    );
    await fillJobsFromCaptures(connection, fixture.store, {
      jobIds,
      workspace: smallWorkspace,
      count: SNAPSHOTS_PER_CLEANUP_JOB,
    });
    const calibrationMs = await timeRequest(connection, 'snapshot.cleanup', {
      job_id: jobIds[ROUNDS],
      max_age_hours: 0,
    });
    const problems: string[] = [];
    let removedAll = 0;
    let removedSome = 0;

    for (let round = 0; round < ROUNDS; round += 1) {
      const jobId = jobIds[round]!;
      const othersBefore = await Promise.all(
        jobIds.slice(round + 1, ROUNDS).map((id) => listIds(connection, id)),
      );
      const delayMs = random.next() * calibrationMs * 1.2;
      await killDuring(
        fixture,
        'snapshot.cleanup',
        { job_id: jobId, max_age_hours: 0 },
        delayMs,
      );
      const restarted = await restartAndAudit(fixture);
      connection = restarted.connection;
      problems.push(...restarted.problems);

      const left = await listIds(connection, jobId);
      for (const snapshot of left) {
        problems.push(...(await auditSnapshot(snapshot.path)));
      }
      if (left.length === 0) removedAll += 1;
      else if (left.length < SNAPSHOTS_PER_CLEANUP_JOB) removedSome += 1;
      const othersAfter = await Promise.all(
        jobIds.slice(round + 1, ROUNDS).map((id) => listIds(connection, id)),
      );
      const lostElsewhere =
        othersBefore.flat().length - othersAfter.flat().length;
      if (lostElsewhere !== 0) {
        problems.push(`round ${round}: ${lostElsewhere} lost in other jobs`);
      }
    }

    const verify = await connection.call<{ ok: boolean; checked: number }>(
      'snapshot.verify',
      {},
    );
    console.log(
      `[reliability] crashes/cleanup: ${ROUNDS} cleanups of ` +
        `${SNAPSHOTS_PER_CLEANUP_JOB}-snapshot jobs killed at seeded points ` +
        `(0-${Math.round(calibrationMs * 1.2)} ms); ${removedAll} removed ` +
        `all, ${removedSome} some, ${ROUNDS - removedAll - removedSome} none; ` +
        `store verify checked ${verify.checked}, ${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(verify.ok).toBe(true);
  });
});

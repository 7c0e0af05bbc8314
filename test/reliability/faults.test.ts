/**
 * Faults under the store and the workspace: a full filesystem, a
 * read-only store, artifacts that vanish or grow during the copy, and a
 * workspace deleted mid-capture. Each capture ends in a complete snapshot
 * or a clear error, never a partial one, and the daemon keeps serving.
 */
import {
  appendFile,
  mkdir,
  readFile,
  readdir,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcConnection } from '../../bench/harness/rpc-connection.js';
import { createRandom, writeWorkspace } from '../../bench/workloads.js';
import {
  startDaemonFixture,
  type DaemonFixture,
} from '../support/daemon-under-test.js';
import { listLeftovers } from '../support/snapshot-audit.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';
import {
  judgeCapture,
  tallyOutcomes,
  type CaptureVerdict,
} from './capture-outcome.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const STORE_ERRORS = ['STORE_UNAVAILABLE'];

let disposers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  disposers = [];
});

async function startOn(store?: string): Promise<DaemonFixture> {
  const fixture = await startDaemonFixture(store ? { store } : {});
  disposers.push(() => fixture.dispose());
  return fixture;
}

async function mountOrSkip(
  size: number,
  skip: (note: string) => void,
): Promise<Tmpfs> {
  const outcome = await mountTmpfs(size);
  if (!outcome.mounted) {
    console.log(`[reliability] faults: tmpfs refused (${outcome.reason})`);
    skip(`mount refused: ${outcome.reason}`);
    throw new Error('unreachable: skip throws');
  }
  disposers.push(() => outcome.tmpfs.dispose());
  return outcome.tmpfs;
}

async function expectServing(connection: RpcConnection): Promise<void> {
  const health = await connection.call<{ status: string }>('daemon.health');
  expect(health.status).toBe('ok');
}

// Resolves with the capture's reply while `mutate` runs beside it.
async function captureWhile(
  connection: RpcConnection,
  params: { job_id: string; workspace: string },
  mutate: (done: () => boolean) => Promise<void>,
) {
  let finished = false;
  const reply = connection
    .request('snapshot.capture', params, { timeoutMs: 120_000 })
    .finally(() => (finished = true));
  await mutate(() => finished);
  return reply;
}

async function readArtifactBytes(
  verdict: CaptureVerdict,
  name: string,
): Promise<number> {
  if (verdict.path === undefined) return Number.NaN;
  const manifest = JSON.parse(
    await readFile(
      join(verdict.path, '.marianne-snapshot', 'manifest.json'),
      'utf8',
    ),
  ) as { artifacts: { name: string; bytes: number }[] };
  return manifest.artifacts.find((a) => a.name === name)?.bytes ?? Number.NaN;
}

// A daemon on a tmpfs store holding one snapshot, then remounted read-only.
async function startOnReadOnly(skip: (note: string) => void) {
  const tmpfs = await mountOrSkip(16 * MIB, skip);
  const fixture = await startOn(join(tmpfs.path, 'store'));
  const connection = await fixture.connect();
  const workspace = join(fixture.root, 'ws');
  await writeWorkspace(workspace, {
    jsonFiles: 5,
    jsonBytes: 4 * KIB,
    logBytes: 64 * KIB,
    observerEvents: 50,
    seed: 200,
  });
  const params = { job_id: 'ro', workspace };
  await connection.call('snapshot.capture', params);
  await tmpfs.remount('ro');
  return { tmpfs, connection, params };
}

describe('faults', () => {
  it('fails cleanly on a full filesystem and recovers once space is back', async ({
    skip,
  }) => {
    const tmpfs = await mountOrSkip(2 * MIB, skip);
    const fixture = await startOn(join(tmpfs.path, 'store'));
    const connection = await fixture.connect();
    // Two that cannot fit, one small (space must be back after the
    // failures), then one that fills most of what is left.
    const shapes = [
      { logBytes: 3 * MIB, jsonFiles: 2 },
      { logBytes: 64 * KIB, jsonFiles: 300 },
      { logBytes: 4 * KIB, jsonFiles: 2 },
      { logBytes: 1.5 * MIB, jsonFiles: 40 },
    ];
    const verdicts: CaptureVerdict[] = [];

    for (const [i, shape] of shapes.entries()) {
      const workspace = join(fixture.root, `full-${i}`);
      await writeWorkspace(workspace, {
        jsonFiles: shape.jsonFiles,
        jsonBytes: 8 * KIB,
        logBytes: shape.logBytes,
        observerEvents: 50,
        seed: 100 + i,
      });
      const reply = await connection.request('snapshot.capture', {
        job_id: 'full',
        workspace,
      });
      verdicts.push(await judgeCapture(reply, STORE_ERRORS));
      expect(await listLeftovers(fixture.store)).toEqual([]);
      await expectServing(connection);
    }

    const listed = await connection.call<{ snapshots: unknown[] }>(
      'snapshot.list',
      { job_id: 'full' },
    );
    console.log(
      `[reliability] faults/full-disk: 4 captures into a 2 MiB tmpfs: ` +
        `${tallyOutcomes(verdicts)}; ${listed.snapshots.length} listed, ` +
        `no staging left, daemon serving`,
    );
    expect(verdicts.flatMap((v) => v.problems)).toEqual([]);
    expect(verdicts[0]!.outcome).toBe('error:STORE_UNAVAILABLE');
    expect(verdicts[1]!.outcome).toBe('error:STORE_UNAVAILABLE');
    expect(verdicts[2]!.outcome).toBe('snapshot');
    expect(listed.snapshots).toHaveLength(
      verdicts.filter((v) => v.outcome === 'snapshot').length,
    );
  });

  it('refuses captures into a read-only store and still lists it', async ({
    skip,
  }) => {
    const { tmpfs, connection, params } = await startOnReadOnly(skip);
    const capture = await judgeCapture(
      await connection.request('snapshot.capture', params),
      STORE_ERRORS,
    );
    const listed = await connection.call<{ snapshots: unknown[] }>(
      'snapshot.list',
      { job_id: params.job_id },
    );
    await expectServing(connection);
    await tmpfs.remount('rw');
    const after = await judgeCapture(
      await connection.request('snapshot.capture', params),
      [],
    );

    console.log(
      `[reliability] faults/read-only: capture -> ${capture.outcome}, ` +
        `list still shows ${listed.snapshots.length}, ` +
        `capture after remount rw -> ${after.outcome}`,
    );
    expect(capture.outcome).toBe('error:STORE_UNAVAILABLE');
    expect(capture.problems).toEqual([]);
    expect(listed.snapshots).toHaveLength(1);
    expect(after.outcome).toBe('snapshot');
    expect(after.problems).toEqual([]);
  });

  it('says so when a cleanup cannot remove anything from a read-only store', async ({
    skip,
  }) => {
    const { connection, params } = await startOnReadOnly(skip);
    const cleanup = await connection.request('snapshot.cleanup', {
      max_age_hours: 0,
    });
    const listed = await connection.call<{ snapshots: unknown[] }>(
      'snapshot.list',
      { job_id: params.job_id },
    );

    const cleanupCode =
      cleanup.error?.data?.code ??
      `no error: ${JSON.stringify(cleanup.result)}`;
    console.log(
      `[reliability] faults/read-only-cleanup: cleanup of an expired ` +
        `snapshot -> ${cleanupCode}; ${listed.snapshots.length} still listed`,
    );
    expect(listed.snapshots).toHaveLength(1);
    expect(cleanupCode).toBe('STORE_UNAVAILABLE');
  });

  it('keeps a consistent snapshot when artifacts vanish during the copy', async () => {
    const fixture = await startOn();
    const connection = await fixture.connect();
    const random = createRandom(300);
    const verdicts: CaptureVerdict[] = [];
    let deleted = 0;

    for (let round = 0; round < 4; round += 1) {
      const workspace = join(fixture.root, `vanish-${round}`);
      await writeWorkspace(workspace, {
        jsonFiles: 1500,
        jsonBytes: 2 * KIB,
        logBytes: 64 * KIB,
        observerEvents: 50,
        seed: 300 + round,
      });
      const names = (await readdir(workspace)).filter((n) =>
        n.endsWith('.json'),
      );
      const reply = await captureWhile(
        connection,
        { job_id: 'vanish', workspace },
        async (done) => {
          await new Promise((r) => setTimeout(r, random.int(40)));
          while (!done() && names.length > 0) {
            const [name] = names.splice(random.int(names.length), 1);
            await unlink(join(workspace, name!));
            deleted += 1;
          }
        },
      );
      verdicts.push(await judgeCapture(reply, []));
      expect(await listLeftovers(fixture.store)).toEqual([]);
    }

    await expectServing(connection);
    const failed = verdicts.reduce((sum, v) => sum + v.failed, 0);
    console.log(
      `[reliability] faults/vanishing: 4 captures of 1,500 files while ` +
        `deleting them (${deleted} deleted): ${tallyOutcomes(verdicts)}, ` +
        `${failed} reported failed, every snapshot matched its manifest`,
    );
    expect(verdicts.flatMap((v) => v.problems)).toEqual([]);
  });

  it('copies a growing log up to its size at the start, not forever', async () => {
    const fixture = await startOn();
    const connection = await fixture.connect();
    const workspace = join(fixture.root, 'growing');
    const logBytes = 32 * MIB;
    await writeWorkspace(workspace, {
      jsonFiles: 3,
      jsonBytes: KIB,
      logBytes,
      observerEvents: 50,
      seed: 400,
    });
    const log = join(workspace, 'marianne.log');
    const chunk = Buffer.alloc(64 * KIB, 'x\n');
    // Bounded so that a capture that chases the growth still ends.
    const appendLimit = 256 * MIB;
    const verdicts: CaptureVerdict[] = [];
    const captured: number[] = [];
    let appended = 0;

    for (let round = 0; round < 3; round += 1) {
      const sizeBefore = (await stat(log)).size;
      let appendedNow = 0;
      const reply = await captureWhile(
        connection,
        { job_id: 'growing', workspace },
        async (done) => {
          while (!done() && appendedNow < appendLimit) {
            await appendFile(log, chunk);
            appendedNow += chunk.length;
          }
        },
      );
      appended += appendedNow;
      const verdict = await judgeCapture(reply, []);
      verdicts.push(verdict);
      captured.push(
        (await readArtifactBytes(verdict, 'marianne.log')) - sizeBefore,
      );
    }

    await expectServing(connection);
    console.log(
      `[reliability] faults/growing: 3 captures of a 32 MiB log while ` +
        `appending (${Math.round(appended / MIB)} MiB appended): ` +
        `${tallyOutcomes(verdicts)}, every snapshot matched its manifest, ` +
        `growth copied per capture: ${captured.map((b) => Math.round(b / MIB)).join(', ')} MiB`,
    );
    expect(verdicts.flatMap((v) => v.problems)).toEqual([]);
    expect(verdicts.every((v) => v.outcome === 'snapshot')).toBe(true);
    // Growth after the open is not copied (some lands between the request
    // and the open); a copy that chased the growth would take nearly all
    // of the bounded append.
    for (const growth of captured) expect(growth).toBeLessThan(appendLimit / 2);
  });

  it('ends cleanly when the workspace is deleted mid-capture', async () => {
    const fixture = await startOn();
    const connection = await fixture.connect();
    const random = createRandom(500);
    const verdicts: CaptureVerdict[] = [];

    for (let round = 0; round < 6; round += 1) {
      const workspace = join(fixture.root, `doomed-${round}`);
      await writeWorkspace(workspace, {
        jsonFiles: 400,
        jsonBytes: 4 * KIB,
        logBytes: 4 * MIB,
        observerEvents: 2000,
        seed: 500 + round,
      });
      const reply = await captureWhile(
        connection,
        { job_id: 'doomed', workspace },
        async () => {
          await new Promise((r) => setTimeout(r, random.int(300)));
          await rm(workspace, { recursive: true, force: true });
        },
      );
      verdicts.push(await judgeCapture(reply, []));
      expect(await listLeftovers(fixture.store)).toEqual([]);
      await mkdir(workspace, { recursive: true });
    }

    await expectServing(connection);
    console.log(
      `[reliability] faults/workspace-deleted: 6 captures, workspace ` +
        `removed at seeded points: ${tallyOutcomes(verdicts)}; no partial ` +
        `snapshot, no staging left, daemon serving`,
    );
    expect(verdicts.flatMap((v) => v.problems)).toEqual([]);
  });
});

/**
 * 200 clients capture, list and clean up overlapping jobs for a bounded
 * time (`RELIABILITY_LONG=1` for a full minute). Afterwards every captured
 * snapshot is either listed or was reported removed by a cleanup, none is
 * reported twice, every request got a reply, and the daemon's memory is
 * back near where it was idle.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthProbe } from '../../bench/harness/health-probe.js';
import {
  readMemory,
  sampleMemory,
  toMiB,
} from '../../bench/harness/process-memory.js';
import type { RpcConnection } from '../../bench/harness/rpc-connection.js';
import {
  createRandom,
  writeWorkspace,
  type Random,
} from '../../bench/workloads.js';
import {
  startDaemonFixture,
  type DaemonFixture,
} from '../support/daemon-under-test.js';

const CLIENTS = 200;
const JOBS = 8;
const WORKSPACES = 4;
const DURATION_MS = process.env.RELIABILITY_LONG === '1' ? 60_000 : 20_000;
/** The load runs in two equal rounds, so growth per round shows a leak. */
const ROUNDS = 2;
/** How far above idle the resident memory may settle after the load. */
const SETTLED_MARGIN_MB = 128;
/** How much the settled memory may grow from one round to the next. */
const ROUND_GROWTH_MB = 48;

interface Tally {
  captured: string[];
  removed: string[];
  replies: number;
  noReply: string[];
  errors: Map<string, number>;
  ops: Map<string, number>;
}

interface CaptureResult {
  snapshot: { job_id: string; id: string } | null;
}

interface CleanupResult {
  snapshots: { job_id: string; id: string }[];
}

const key = (jobId: string, id: string): string => `${jobId}/${id}`;

function bump(map: Map<string, number>, name: string): void {
  map.set(name, (map.get(name) ?? 0) + 1);
}

// One client: seeded operations until the deadline, backing off briefly
// when the daemon says it is busy, as a sensible client would.
async function runClient(options: {
  connection: RpcConnection;
  random: Random;
  workspaces: string[];
  deadline: number;
  tally: Tally;
}): Promise<void> {
  const { connection, random, tally } = options;
  while (Date.now() < options.deadline) {
    const jobId = `load-${random.int(JOBS)}`;
    const roll = random.next();
    const [method, params] =
      roll < 0.5
        ? [
            'snapshot.capture',
            { job_id: jobId, workspace: random.pick(options.workspaces) },
          ]
        : roll < 0.85
          ? ['snapshot.list', { job_id: jobId }]
          : [
              'snapshot.cleanup',
              { job_id: jobId, max_age_hours: 0, keep_last: 3 },
            ];
    bump(tally.ops, method);
    let reply;
    try {
      reply = await connection.request(method, params, { timeoutMs: 60_000 });
    } catch (err) {
      tally.noReply.push(`${method}: ${String(err)}`);
      return;
    }
    tally.replies += 1;
    if (reply.error) {
      const code = reply.error.data?.code ?? String(reply.error.code);
      bump(tally.errors, `${method.split('.')[1]} ${code}`);
      await new Promise((r) => setTimeout(r, 10 + random.int(40)));
      continue;
    }
    if (method === 'snapshot.capture') {
      const snapshot = (reply.result as CaptureResult).snapshot;
      if (snapshot) tally.captured.push(key(snapshot.job_id, snapshot.id));
    } else if (method === 'snapshot.cleanup') {
      for (const s of (reply.result as CleanupResult).snapshots) {
        tally.removed.push(key(s.job_id, s.id));
      }
    }
    await new Promise((r) => setTimeout(r, random.int(20)));
  }
}

function findDuplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

describe('load', () => {
  let fixture: DaemonFixture;
  const workspaces: string[] = [];

  beforeAll(async () => {
    // Every client may have a request in flight, so that the store's
    // concurrency is exercised rather than the daemon's refusals.
    fixture = await startDaemonFixture({
      flags: ['--max-in-flight', String(CLIENTS)],
    });
    for (let i = 0; i < WORKSPACES; i += 1) {
      const workspace = join(fixture.root, `ws-${i}`);
      await writeWorkspace(workspace, {
        jsonFiles: 12,
        jsonBytes: 2048,
        logBytes: 64 * 1024,
        observerEvents: 200,
        seed: 700 + i,
      });
      workspaces.push(workspace);
    }
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('loses and duplicates nothing under 200 concurrent clients', async () => {
    const warm = await fixture.connect();
    await warm.call('snapshot.capture', {
      job_id: 'warm',
      workspace: workspaces[0],
    });
    await warm.call('snapshot.list', { job_id: 'warm' });
    const idleRss = readMemory(fixture.daemon.pid)!.rss;
    const tally: Tally = {
      captured: [],
      removed: [],
      replies: 0,
      noReply: [],
      errors: new Map(),
      ops: new Map(),
    };
    const sampler = sampleMemory(fixture.daemon.pid, 50);
    const probe = await startHealthProbe(fixture.socket, 50);
    const settled: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const connections = await Promise.all(
        Array.from({ length: CLIENTS }, () => fixture.connect()),
      );
      const deadline = Date.now() + DURATION_MS / ROUNDS;
      await Promise.all(
        connections.map((connection, i) =>
          runClient({
            connection,
            random: createRandom(1000 + round * CLIENTS + i),
            workspaces,
            deadline,
            tally,
          }),
        ),
      );
      for (const connection of connections) connection.close();
      // Settled: connections closed, a few seconds of quiet.
      await new Promise((r) => setTimeout(r, 4_000));
      settled.push(readMemory(fixture.daemon.pid)!.rss);
    }
    const health = await probe.stop();
    const peak = sampler.stop().peakRss;

    const listed: string[] = [];
    for (let job = 0; job < JOBS; job += 1) {
      const result = await warm.call<{
        snapshots: { job_id: string; id: string }[];
      }>('snapshot.list', { job_id: `load-${job}` });
      listed.push(...result.snapshots.map((s) => key(s.job_id, s.id)));
    }
    const settledRss = settled.at(-1)!;
    const growth = toMiB(settledRss - settled[0]!);

    const captured = new Set(tally.captured);
    const removed = new Set(tally.removed);
    const lost = tally.captured.filter(
      (k) => !listed.includes(k) && !removed.has(k),
    );
    const phantom = listed.filter((k) => !captured.has(k));
    const removedUnknown = tally.removed.filter((k) => !captured.has(k));
    const listedAndRemoved = listed.filter((k) => removed.has(k));
    const errors = [...tally.errors]
      .map(([code, n]) => `${n} ${code}`)
      .join(', ');
    const ops = [...tally.ops]
      .map(([m, n]) => `${n} ${m.split('.')[1]}`)
      .join(', ');
    console.log(
      `[reliability] load: ${CLIENTS} clients for ${DURATION_MS / 1000} s ` +
        `(${ROUNDS} rounds): ` +
        `${ops}; ${tally.replies} replies, ${tally.noReply.length} without ` +
        `reply; errors: ${errors || 'none'}; ${captured.size} captured, ` +
        `${removed.size} removed by cleanups, ${listed.length} listed, ` +
        `${lost.length} lost, ${findDuplicates(tally.captured).length} ` +
        `duplicate ids; health probe ${health.calls} calls, longest ` +
        `${Math.round(health.maxMs)} ms; RSS idle ${toMiB(idleRss).toFixed(0)} MB, ` +
        `peak ${toMiB(peak).toFixed(0)} MB, settled after each round ` +
        `${settled.map((b) => toMiB(b).toFixed(0)).join(' and ')} MB`,
    );
    expect(tally.noReply).toEqual([]);
    expect(captured.size).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(phantom).toEqual([]);
    expect(removedUnknown).toEqual([]);
    expect(listedAndRemoved).toEqual([]);
    expect(findDuplicates(tally.captured)).toEqual([]);
    expect(findDuplicates(tally.removed)).toEqual([]);
    expect(health.failures).toEqual([]);
    expect(toMiB(settledRss)).toBeLessThan(toMiB(idleRss) + SETTLED_MARGIN_MB);
    expect(growth).toBeLessThan(ROUND_GROWTH_MB);
  });

  it('lists a job without error while a cleanup empties it', async () => {
    const connection = await fixture.connect();
    const jobId = 'list-race';
    const errors: string[] = [];
    let lists = 0;

    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 20; i += 1) {
        await connection.call('snapshot.capture', {
          job_id: jobId,
          workspace: workspaces[i % WORKSPACES],
        });
      }
      let cleaning = true;
      const cleanup = connection
        .call('snapshot.cleanup', { job_id: jobId, max_age_hours: 0 })
        .finally(() => (cleaning = false));
      const listers = Array.from({ length: 8 }, async () => {
        const lister = await fixture.connect();
        do {
          lists += 1;
          const reply = await lister.request('snapshot.list', {
            job_id: jobId,
          });
          if (reply.error) errors.push(reply.error.data?.code ?? '?');
        } while (cleaning);
      });
      await Promise.all([cleanup, ...listers]);
    }

    console.log(
      `[reliability] load/list-during-cleanup: ${lists} lists of a job ` +
        `while 3 cleanups emptied it: ${errors.length} failed ` +
        `(${[...new Set(errors)].join(', ') || 'none'})`,
    );
    expect(errors).toEqual([]);
  });
});

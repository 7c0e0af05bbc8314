/**
 * How long a request waits while the daemon cleans a big store: one
 * connection asks for a cleanup of 100,000 snapshots in 1,000 jobs (a
 * tenth expired) while another sends `daemon.health` back to back. The
 * longest round trip is the number that matters: removal must yield to
 * the event loop, so no request stalls behind it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDaemon } from './harness/daemon-process.js';
import { RpcConnection } from './harness/rpc-connection.js';
import { median, type BenchResult } from './report.js';
import { writeLegacyStore } from './workloads.js';

const HEALTH_GOAL_MS = 100;
const MAX_AGE_HOURS = 168;

interface CleanupReply {
  removed: number;
  freed_bytes: number;
}

// Sends daemon.health one after another until `until` settles.
async function probeUntil(
  connection: RpcConnection,
  until: Promise<unknown>,
): Promise<number[]> {
  let settled = false;
  void until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const rtts: number[] = [];
  while (!settled) {
    const started = performance.now();
    await connection.call('daemon.health', {}, { timeoutMs: 60_000 });
    rtts.push(performance.now() - started);
  }
  return rtts;
}

async function probeIdle(connection: RpcConnection, count: number) {
  const rtts: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await connection.call('daemon.health');
    rtts.push(performance.now() - started);
  }
  return rtts;
}

export async function benchCleanupLatency(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const jobs = options.quick ? 100 : 1000;
  const work = await mkdtemp(join(tmpdir(), 'marianne-bench-latency-'));
  const store = join(work, 'store');
  const shape = await writeLegacyStore(store, {
    jobs,
    snapshotsPerJob: 100,
    expiredFraction: 0.1,
    maxAgeHours: MAX_AGE_HOURS,
    seed: 7,
    now: Math.floor(Date.now() / 1000),
  });

  // The timer's cleanup is turned off so that only ours runs.
  const daemon = await startDaemon({
    dir: store,
    socket: join(work, 'daemon.sock'),
    flags: ['--cleanup-interval-minutes', '0'],
  });
  try {
    const probe = await RpcConnection.open(daemon.socket);
    const worker = await RpcConnection.open(daemon.socket);
    const idle = await probeIdle(probe, 200);

    const started = performance.now();
    const cleanup = worker.call<CleanupReply>(
      'snapshot.cleanup',
      { max_age_hours: MAX_AGE_HOURS },
      { timeoutMs: 600_000 },
    );
    const busy = await probeUntil(probe, cleanup);
    const reply = await cleanup;
    const cleanupMs = performance.now() - started;
    probe.close();
    worker.close();

    const worst = Math.max(...busy);
    const idleWorst = Math.max(...idle);
    const size = `${shape.snapshots.toLocaleString('en')} snapshots`;
    return [
      {
        name: `latency: longest daemon.health during cleanup of ${size}`,
        unit: 'ms',
        median: worst,
        limitName: 'longest when idle',
        limitMedian: idleWorst,
        ratio: worst / idleWorst,
        goal: `never above ${HEALTH_GOAL_MS} ms`,
        met: worst <= HEALTH_GOAL_MS,
        note:
          `${busy.length} round trips during the cleanup, median ` +
          `${median(busy).toFixed(2)} ms (idle median ` +
          `${median(idle).toFixed(2)} ms)`,
      },
      {
        name: `latency: cleanup of ${size} in ${jobs} jobs through the daemon`,
        unit: 'ms',
        median: cleanupMs,
        note:
          `removed ${reply.removed} of ${shape.expired} expired ` +
          '(original layout, one file each); one run',
        ...(reply.removed === shape.expired
          ? {}
          : { goal: 'removes every expired snapshot', met: false }),
      },
    ];
  } finally {
    await daemon.stop();
    await rm(work, { recursive: true, force: true });
  }
}

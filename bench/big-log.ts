/**
 * A 1 GiB log captured through the daemon, next to `cp -p` of the same
 * file in the same run, with the daemon's resident memory sampled during
 * each capture: capture streams, so memory must stay flat.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDaemon } from './harness/daemon-process.js';
import { sampleMemory, toMiB } from './harness/process-memory.js';
import { RpcConnection } from './harness/rpc-connection.js';
import { measureAlternating, median, type BenchResult } from './report.js';
import { writeBigLog } from './workloads.js';

const MIB = 1024 * 1024;
const MEMORY_GOAL_MB = 100;

interface CaptureReply {
  snapshot: { path: string; bytes: number } | null;
}

async function runCopy(from: string, toDir: string): Promise<number> {
  await rm(toDir, { recursive: true, force: true });
  await mkdir(toDir);
  const started = performance.now();
  const child = spawn('cp', ['-p', from, toDir], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`cp -p exited with ${code}`);
  return performance.now() - started;
}

export async function benchBigLog(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const bytes = options.quick ? 256 * MIB : 1024 * MIB;
  const label = options.quick ? '256 MiB' : '1 GiB';
  const rounds = options.quick ? 2 : 3;
  const work = await mkdtemp(join(tmpdir(), 'marianne-bench-biglog-'));
  const workspace = join(work, 'workspace');
  await mkdir(workspace);
  await writeBigLog(join(workspace, 'marianne.log'), { bytes, seed: 1 });

  const daemon = await startDaemon({
    dir: join(work, 'store'),
    socket: join(work, 'daemon.sock'),
  });
  const peaks: number[] = [];
  try {
    const connection = await RpcConnection.open(daemon.socket);
    const idleRss = daemon.memory()?.rss ?? Number.NaN;
    const captureOnce = async (): Promise<number> => {
      const sampler = sampleMemory(daemon.pid, 10);
      const started = performance.now();
      const reply = await connection.call<CaptureReply>(
        'snapshot.capture',
        { job_id: 'big-log', workspace },
        { timeoutMs: 300_000 },
      );
      const ms = performance.now() - started;
      peaks.push(sampler.stop().peakRss);
      if (reply.snapshot?.bytes !== bytes) {
        throw new Error(`capture kept ${reply.snapshot?.bytes} of ${bytes} B`);
      }
      await rm(reply.snapshot.path, { recursive: true, force: true });
      return ms;
    };
    const copyDir = join(work, 'copy');
    const times = await measureAlternating({
      rounds,
      a: captureOnce,
      b: () => runCopy(join(workspace, 'marianne.log'), copyDir),
    });
    connection.close();

    const captureMs = median(times.a);
    const copyMs = median(times.b);
    const peakMb = toMiB(Math.max(...peaks));
    return [
      {
        name: `capture: ${label} log through the daemon`,
        unit: 'ms',
        median: captureMs,
        limitName: 'cp -p',
        limitMedian: copyMs,
        ratio: captureMs / copyMs,
        goal: 'within 1.5x of cp -p',
        met: captureMs / copyMs <= 1.5,
        note:
          `${rounds} alternating rounds; capture also hashes (SHA-256) ` +
          'and fsyncs, cp -p does neither',
      },
      {
        name: `memory: daemon peak RSS while capturing the ${label} log`,
        unit: 'MB',
        median: peakMb,
        limitName: 'idle RSS',
        limitMedian: toMiB(idleRss),
        ratio: peakMb / toMiB(idleRss),
        goal: `flat, under ${MEMORY_GOAL_MB} MB`,
        met: peakMb < MEMORY_GOAL_MB,
        note: 'highest VmRSS of /proc/<pid>/status, sampled every 10 ms',
      },
    ];
  } finally {
    await daemon.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The client's cost: how long one command-line call takes from start to
 * exit, next to a bare `node -e 0` (the floor any Node command pays), and
 * how many typed `snapshot.list` calls per second one client makes, next
 * to the same request written by hand on a raw socket.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/client/index.js';
import { startDaemon } from './harness/daemon-process.js';
import { CLI_PATH } from './harness/project-paths.js';
import { RpcConnection } from './harness/rpc-connection.js';
import { measureAlternating, median, type BenchResult } from './report.js';
import { writeWorkspace } from './workloads.js';

export async function benchClient(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'ms-bench-client-'));
  const socket = join(root, 's.sock');
  const daemon = await startDaemon({
    dir: join(root, 'store'),
    socket,
    logLevel: 'warn',
  });

  try {
    await seedSnapshots(socket, root);
    return [
      await measureCommand({ socket, rounds: options.quick ? 4 : 12 }),
      await measureCalls({ socket, calls: options.quick ? 500 : 3_000 }),
    ];
  } finally {
    await daemon.stop(5_000);
    await rm(root, { recursive: true, force: true });
  }
}

// Twenty snapshots, so that a listing is a realistic reply.
async function seedSnapshots(socket: string, root: string): Promise<void> {
  const workspace = join(root, 'workspace');
  await writeWorkspace(workspace, {
    jsonFiles: 4,
    jsonBytes: 2_048,
    logBytes: 16_384,
    observerEvents: 100,
    seed: 7,
  });
  const client = await connect({ socket });
  for (let index = 0; index < 20; index += 1) {
    await client.snapshot.capture({ job_id: 'bench', workspace });
  }
  client.close();
}

async function measureCommand(options: {
  socket: string;
  rounds: number;
}): Promise<BenchResult> {
  const { a: cli, b: bare } = await measureAlternating({
    rounds: options.rounds,
    a: () =>
      timeProcess([CLI_PATH, 'list', 'bench', '--socket', options.socket]),
    b: () => timeProcess(['-e', '0']),
  });

  const ratio = median(cli) / median(bare);
  return {
    name: 'cli: `list <job>` start to exit',
    unit: 'ms',
    median: median(cli),
    limitName: 'node -e 0',
    limitMedian: median(bare),
    ratio,
    goal: 'within 4x of a bare node start',
    met: ratio <= 4,
    note: `${options.rounds} runs each, alternating`,
  };
}

async function timeProcess(args: string[]): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return performance.now() - start;
}

// One call at a time, so the figure is the client's round trip, not the
// daemon's throughput under load.
async function measureCalls(options: {
  socket: string;
  calls: number;
}): Promise<BenchResult> {
  const { socket, calls } = options;
  const client = await connect({ socket });
  const raw = await RpcConnection.open(socket);
  const params = { job_id: 'bench' };

  try {
    const { a: typed, b: bare } = await measureAlternating({
      rounds: 5,
      a: () =>
        rate(calls, async () => {
          await client.snapshot.list(params);
        }),
      b: () =>
        rate(calls, async () => {
          await raw.call('snapshot.list', params);
        }),
    });

    const ratio = median(typed) / median(bare);
    return {
      name: 'client: sequential snapshot.list calls',
      unit: 'calls/s',
      median: median(typed),
      limitName: 'hand-written request on a raw socket',
      limitMedian: median(bare),
      ratio,
      goal: 'at least half the raw rate',
      met: ratio >= 0.5,
      note: `${calls} calls per round, 5 rounds, 20 snapshots listed`,
    };
  } finally {
    client.close();
    raw.close();
  }
}

async function rate(calls: number, call: () => Promise<void>) {
  const start = performance.now();
  for (let index = 0; index < calls; index += 1) await call();
  return (calls / (performance.now() - start)) * 1_000;
}

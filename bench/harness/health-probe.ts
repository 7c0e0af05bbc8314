/**
 * A well-behaved client in a process of its own: calls `daemon.health`
 * every `--interval-ms` on one connection until its stdin closes, then
 * prints one JSON line with what it saw. Being a separate process, its
 * round trips are not skewed by the busy process that loads the daemon.
 *
 *   node dist/bench/harness/health-probe.js --socket S --interval-ms 20
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from './project-paths.js';
import { RpcConnection } from './rpc-connection.js';

export interface ProbeResult {
  calls: number;
  /** How many calls failed; `failures` holds the first few messages. */
  failed: number;
  failures: string[];
  maxMs: number;
  medianMs: number;
}

const READY = 'ready\n';
const PROBE_PATH = join(
  PROJECT_ROOT,
  'dist',
  'bench',
  'harness',
  'health-probe.js',
);

/**
 * Starts the probe process and resolves once its first call was answered
 * (so it holds a connection before any abuse starts); `stop()` ends it and
 * returns its findings.
 */
export async function startHealthProbe(socket: string, intervalMs = 20) {
  const child = spawn(
    process.execPath,
    [PROBE_PATH, '--socket', socket, '--interval-ms', String(intervalMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.startsWith(READY)) resolve();
    });
    void exited.then(() => reject(new Error('health probe exited early')));
  });
  return {
    async stop(): Promise<ProbeResult> {
      child.stdin.end();
      await exited;
      return JSON.parse(output.slice(READY.length)) as ProbeResult;
    },
  };
}

async function runProbe(socket: string, intervalMs: number): Promise<void> {
  let running = true;
  process.stdin.resume();
  process.stdin.on('end', () => (running = false));
  const rtts: number[] = [];
  const failures: string[] = [];
  let connection = await RpcConnection.open(socket);
  await connection.call('daemon.health');
  process.stdout.write(READY);
  while (running) {
    const started = performance.now();
    try {
      if (!connection.open) connection = await RpcConnection.open(socket);
      const health = await connection.call<{ status: string }>(
        'daemon.health',
        {},
        { timeoutMs: 10_000 },
      );
      if (health.status !== 'ok') failures.push(JSON.stringify(health));
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
    rtts.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  connection.close();

  const sorted = [...rtts].sort((a, b) => a - b);
  const result: ProbeResult = {
    calls: rtts.length,
    failed: failures.length,
    failures: failures.slice(0, 20),
    maxMs: sorted.at(-1) ?? Number.NaN,
    medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] === PROBE_PATH) {
  const { values } = parseArgs({
    options: {
      socket: { type: 'string' },
      'interval-ms': { type: 'string', default: '20' },
    },
  });
  if (!values.socket) throw new Error('--socket is required');
  await runProbe(values.socket, Number(values['interval-ms']));
}

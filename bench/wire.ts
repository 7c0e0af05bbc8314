/**
 * The wire's cost: `daemon.health` requests per second on one pipelined
 * connection and on eight, next to a bare newline-echo server (Node net,
 * its own process, same machine, same run, measured alternately), and the
 * daemon's resident memory idle and with 500 connections open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './harness/daemon-process.js';
import { readMemory, toMiB } from './harness/process-memory.js';
import { median, type BenchResult } from './report.js';

const REQUEST = '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n';
// Requests kept outstanding per connection: deep enough to keep the
// server busy, shallow enough not to measure buffering alone.
const WINDOW = 32;
const NEWLINE = 0x0a;
// Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const CLOCK_TICKS = 100;

// Answers each line with a fixed reply the size of the daemon's: a
// message server with the JSON-RPC taken out, moving the same bytes both
// ways. In `line` mode it writes once per line, the plain way and the
// goal's yardstick; in `chunk` mode once per chunk read, as the daemon's
// writer does, which prices the JSON-RPC work alone.
const ECHO_SERVER = `
const net = require('node:net');
const [, path, reply, mode] = process.argv;
net.createServer((socket) => {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    const lines = (pending + chunk).split('\\n');
    pending = lines.pop();
    if (mode === 'chunk') {
      if (lines.length > 0) socket.write(reply.repeat(lines.length));
      return;
    }
    for (let i = 0; i < lines.length; i++) socket.write(reply);
  });
  socket.on('error', () => {});
}).listen(path, () => process.stdout.write('ready\\n'));
`;

export async function benchWire(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const seconds = options.quick ? 1 : 3;
  const repetitions = options.quick ? 3 : 5;
  const root = await mkdtemp(join(tmpdir(), 'ms-wire-'));
  const daemon = await startDaemon({
    dir: join(root, 'store'),
    socket: join(root, 'd.sock'),
    flags: ['--max-connections', '600', '--cleanup-interval-minutes', '0'],
  });
  const reply = await readReply(daemon.socket);
  const echo = {
    line: await startEcho(join(root, 'line.sock'), reply, 'line'),
    chunk: await startEcho(join(root, 'chunk.sock'), reply, 'chunk'),
  };
  try {
    await new Promise((done) => setTimeout(done, 500));
    const idle = toMiB(readMemory(daemon.pid)?.rss ?? Number.NaN);
    const results: BenchResult[] = [];
    for (const connections of [1, 8]) {
      const rates = { daemon: [] as number[], line: [] as number[] };
      const chunkRates: number[] = [];
      const cpuPerRequest: number[] = [];
      for (let round = 0; round < repetitions; round++) {
        const measure = (path: string) =>
          measureRate(path, connections, seconds);
        const cpuBefore = readCpuSeconds(daemon.pid);
        const daemonRun = await measure(daemon.socket);
        const cpu = readCpuSeconds(daemon.pid) - cpuBefore;
        rates.daemon.push(daemonRun.rate);
        cpuPerRequest.push((cpu / daemonRun.replies) * 1e6);
        rates.line.push((await measure(echo.line.path)).rate);
        chunkRates.push((await measure(echo.chunk.path)).rate);
      }
      results.push(
        compareRates(connections, rates, {
          chunkRate: median(chunkRates),
          cpuMicros: median(cpuPerRequest),
        }),
      );
    }

    results.push(...(await measureMemory(daemon.pid, daemon.socket, idle)));
    return results;
  } finally {
    echo.line.child.kill('SIGKILL');
    echo.chunk.child.kill('SIGKILL');
    await daemon.stop();
    await rm(root, { recursive: true, force: true });
  }
}

function compareRates(
  connections: number,
  rates: { daemon: number[]; line: number[] },
  context: { chunkRate: number; cpuMicros: number },
): BenchResult {
  const daemonRate = median(rates.daemon);
  const echoRate = median(rates.line);
  const ratio = daemonRate / echoRate;
  const plural = connections === 1 ? 'connection' : 'connections';
  const chunkRatio = (daemonRate / context.chunkRate).toFixed(2);
  return {
    name: `wire: daemon.health, ${connections} pipelined ${plural}`,
    unit: 'req/s',
    median: Math.round(daemonRate),
    limitName: 'newline echo server',
    limitMedian: Math.round(echoRate),
    ratio,
    goal: 'at least half the echo rate',
    met: ratio >= 0.5,
    note:
      `daemon CPU ${context.cpuMicros.toFixed(1)} µs per request; the ` +
      'echo writes once per line; an echo writing once per chunk ' +
      `answers ${Math.round(context.chunkRate)} req/s ` +
      `(ratio ${chunkRatio})`,
  };
}

// The daemon's own reply line, so the echo sends back as many bytes.
async function readReply(path: string): Promise<string> {
  const socket = await openSocket(path);
  try {
    let text = '';
    socket.setEncoding('utf8');
    socket.write(REQUEST);
    while (!text.includes('\n')) {
      const [chunk] = (await once(socket, 'data')) as [string];
      text += chunk;
    }
    return text.slice(0, text.indexOf('\n') + 1);
  } finally {
    socket.destroy();
  }
}

async function startEcho(
  path: string,
  reply: string,
  mode: 'line' | 'chunk',
): Promise<{ path: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['-e', ECHO_SERVER, path, reply, mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  return { path, child };
}

/** Replies per second over `seconds`, each connection `WINDOW` deep. */
async function measureRate(
  path: string,
  connections: number,
  seconds: number,
): Promise<{ rate: number; replies: number }> {
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => openSocket(path)),
  );
  let replies = 0;
  let running = true;
  const burst = Buffer.from(REQUEST.repeat(WINDOW));
  const one = Buffer.from(REQUEST);

  for (const socket of sockets) {
    socket.on('data', (chunk: Buffer) => {
      let lines = 0;
      for (let at = chunk.indexOf(NEWLINE); at !== -1;) {
        lines++;
        at = chunk.indexOf(NEWLINE, at + 1);
      }
      replies += lines;
      // Refill the window: one request out for each reply in.
      if (running && lines > 0) {
        socket.write(
          lines === WINDOW ? burst : Buffer.concat(Array(lines).fill(one)),
        );
      }
    });
    socket.write(burst);
  }

  const started = performance.now();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const counted = replies;
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  for (const socket of sockets) socket.destroy();
  return { rate: counted / elapsed, replies: counted };
}

// User and system time of a process so far, from /proc (Linux only; on
// other systems the note reads NaN).
function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

// Idle is read right after start, before the rate runs grow the heap.
async function measureMemory(
  pid: number,
  path: string,
  idle: number,
): Promise<BenchResult[]> {
  const sockets: Socket[] = [];
  for (let index = 0; index < 500; index++) {
    const socket = await openSocket(path);
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  // One answered request per connection proves each is set up in full.
  await Promise.all(
    sockets.map(async (socket) => {
      const reply = once(socket, 'data');
      socket.write(REQUEST);
      await reply;
    }),
  );
  const busy = toMiB(readMemory(pid)?.rss ?? Number.NaN);
  for (const socket of sockets) socket.destroy();

  return [
    {
      name: 'wire: daemon resident memory, idle',
      unit: 'MB',
      median: Math.round(idle * 10) / 10,
      goal: 'under 80 MB',
      met: idle < 80,
    },
    {
      name: 'wire: daemon resident memory, 500 connections open',
      unit: 'MB',
      median: Math.round(busy * 10) / 10,
    },
  ];
}

/**
 * Clients that abuse the daemon: 2,000 connection attempts at once,
 * connections that say nothing, clients that never read their replies.
 * The limits (--max-connections, --idle-timeout-seconds,
 * --write-timeout-seconds) hold, and a well-behaved client, probing from
 * a process of its own, is served throughout.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthProbe } from '../../bench/harness/health-probe.js';
import { sampleMemory, toMiB } from '../../bench/harness/process-memory.js';
import {
  startDaemonFixture,
  type DaemonFixture,
} from '../support/daemon-under-test.js';

const ATTEMPTS = 2_000;
const MAX_CONNECTIONS = 100;
/** Daemon memory allowed while non-reading peers are being dropped. */
const MAX_BUFFERING_RSS_MB = 256;
const HEALTH = '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n';

type Outcome = 'served' | 'refused' | 'connect failed' | 'closed silently';

interface RawClient {
  socket: Socket;
  outcome: Promise<Outcome>;
  closed: Promise<void>;
}

let fixtures: DaemonFixture[] = [];

afterEach(async () => {
  for (const fixture of fixtures) await fixture.dispose();
  fixtures = [];
});

async function startWith(flags: string[]): Promise<DaemonFixture> {
  const fixture = await startDaemonFixture({ flags });
  fixtures.push(fixture);
  return fixture;
}

// A socket that sends `greeting` (if any) and classifies what comes back.
function openRawClient(path: string, greeting?: string): RawClient {
  const socket = connect(path);
  let text = '';
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => resolve()),
  );
  const outcome = new Promise<Outcome>((resolve) => {
    socket.setEncoding('utf8');
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!socket.remoteAddress && !text) resolve('connect failed');
      void err;
    });
    socket.once('connect', () => {
      if (greeting) socket.write(greeting);
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\n')) return;
      const reply = JSON.parse(text.slice(0, text.indexOf('\n'))) as {
        result?: unknown;
        error?: { data?: { code?: string } };
      };
      resolve(
        reply.result !== undefined
          ? 'served'
          : reply.error?.data?.code === 'RESOURCE_EXHAUSTED'
            ? 'refused'
            : 'closed silently',
      );
    });
    socket.once('close', () => resolve(text ? 'refused' : 'closed silently'));
  });
  return { socket, outcome, closed };
}

function tally(outcomes: readonly Outcome[]): Record<Outcome, number> {
  const counts = {
    served: 0,
    refused: 0,
    'connect failed': 0,
    'closed silently': 0,
  };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}

async function waitUntil(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

// Slots free up once the daemon has seen the closes: retry briefly.
async function retryUntilServed(path: string): Promise<Outcome> {
  let outcome: Outcome = 'closed silently';
  for (let attempt = 0; attempt < 50 && outcome !== 'served'; attempt += 1) {
    const client = openRawClient(path, HEALTH);
    outcome = await client.outcome;
    client.socket.destroy();
    if (outcome !== 'served') await new Promise((r) => setTimeout(r, 100));
  }
  return outcome;
}

describe('abuse', () => {
  it('holds the connection limit under 2,000 simultaneous attempts', async () => {
    const fixture = await startWith([
      '--max-connections',
      String(MAX_CONNECTIONS),
      '--idle-timeout-seconds',
      '120',
    ]);
    const probe = await startHealthProbe(fixture.socket, 20);

    const clients = Array.from({ length: ATTEMPTS }, () =>
      openRawClient(fixture.socket, HEALTH),
    );
    const outcomes = await Promise.all(
      clients.map((client) =>
        Promise.race([
          client.outcome,
          new Promise<Outcome>((r) => setTimeout(r, 30_000, 'closed silently')),
        ]),
      ),
    );
    const health = await probe.stop();
    for (const client of clients) client.socket.destroy();
    const afterOutcome = await retryUntilServed(fixture.socket);

    const counts = tally(outcomes);
    console.log(
      `[reliability] abuse/connections: ${ATTEMPTS} at once against ` +
        `--max-connections ${MAX_CONNECTIONS}: ${counts.served} served, ` +
        `${counts.refused} refused with RESOURCE_EXHAUSTED, ` +
        `${counts['connect failed']} failed to connect, ` +
        `${counts['closed silently']} closed without a word; probe ` +
        `${health.calls} calls, ${health.failed} failed, longest ` +
        `${Math.round(health.maxMs)} ms; afterwards a new client is ${afterOutcome}`,
    );
    expect(fixture.daemon.isRunning()).toBe(true);
    // The probe holds one of the slots.
    expect(counts.served).toBeLessThanOrEqual(MAX_CONNECTIONS - 1);
    expect(counts.served).toBeGreaterThan(0);
    expect(counts['closed silently']).toBe(0);
    expect(health.failures).toEqual([]);
    expect(afterOutcome).toBe('served');
  });

  it('closes silent connections after the idle timeout and serves others', async () => {
    const fixture = await startWith([
      '--max-connections',
      String(MAX_CONNECTIONS),
      '--idle-timeout-seconds',
      '2',
    ]);
    const probe = await startHealthProbe(fixture.socket, 100);

    // With the probe's connection, these fill every slot.
    const silent = Array.from({ length: MAX_CONNECTIONS - 1 }, () =>
      openRawClient(fixture.socket),
    );
    let closedCount = 0;
    for (const client of silent)
      void client.closed.then(() => (closedCount += 1));
    await new Promise((r) => setTimeout(r, 500));
    const whileFull = openRawClient(fixture.socket, HEALTH);
    const whileFullOutcome = await whileFull.outcome;
    whileFull.socket.destroy();
    const allClosed = await waitUntil(
      () => closedCount === silent.length,
      15_000,
    );
    const afterIdle = openRawClient(fixture.socket, HEALTH);
    const afterIdleOutcome = await afterIdle.outcome;
    afterIdle.socket.destroy();
    const health = await probe.stop();

    console.log(
      `[reliability] abuse/silent: ${silent.length} silent connections ` +
        `filled the limit; a new client meanwhile was ${whileFullOutcome}; ` +
        `${closedCount} closed by --idle-timeout-seconds 2; then a new ` +
        `client was ${afterIdleOutcome}; the busy probe: ${health.calls} ` +
        `calls, ${health.failed} failed`,
    );
    expect(whileFullOutcome).toBe('refused');
    expect(allClosed).toBe(true);
    expect(afterIdleOutcome).toBe('served');
    expect(health.failures).toEqual([]);
  });

  it('drops clients that never read their replies and serves others', async () => {
    const fixture = await startWith(['--write-timeout-seconds', '2']);
    const readers = 20;
    const requests = 2_000;
    const probe = await startHealthProbe(fixture.socket, 20);
    const sampler = sampleMemory(fixture.daemon.pid, 50);

    const deaf = Array.from({ length: readers }, () => {
      const socket = connect(fixture.socket);
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        socket.pause();
        const lines = Array.from(
          { length: requests },
          (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"rpc.discover"}\n`,
        );
        socket.write(lines.join(''));
      });
      const closed = new Promise<void>((resolve) =>
        socket.once('close', () => resolve()),
      );
      return { socket, closed };
    });
    // A paused socket cannot see the daemon hang up: wait (bounded) until
    // the daemon has logged every drop, then read what is buffered and
    // see which ones end.
    const countDrops = () =>
      fixture.daemon.stderrTail().split('connection.write_timeout').length - 1;
    await waitUntil(() => countDrops() >= readers, 45_000);
    let closedCount = 0;
    for (const { socket, closed } of deaf) {
      void closed.then(() => (closedCount += 1));
      socket.on('data', () => undefined);
      socket.resume();
    }
    const allClosed = await waitUntil(() => closedCount === readers, 10_000);
    const received = deaf.reduce((n, { socket }) => n + socket.bytesRead, 0);
    const health = await probe.stop();
    const peak = sampler.stop().peakRss;
    const logged =
      fixture.daemon.stderrTail().split('connection.write_timeout').length - 1;

    console.log(
      `[reliability] abuse/non-reading: ${readers} clients sent ` +
        `${requests} rpc.discover each and never read: ${closedCount} ` +
        `dropped by --write-timeout-seconds 2 (${logged} logged), after ` +
        `${Math.round(received / readers / 1024)} KiB of replies each; daemon ` +
        `peak RSS ${toMiB(peak).toFixed(0)} MB; probe ${health.calls} calls, ` +
        `${health.failed} failed, longest ${Math.round(health.maxMs)} ms`,
    );
    expect(allClosed).toBe(true);
    expect(fixture.daemon.isRunning()).toBe(true);
    expect(health.failures).toEqual([]);
    // Replies owed to a peer that reads nothing must not pile up without
    // bound: 2,000 small requests are not worth hundreds of megabytes.
    expect(toMiB(peak)).toBeLessThan(MAX_BUFFERING_RSS_MB);
  });
});

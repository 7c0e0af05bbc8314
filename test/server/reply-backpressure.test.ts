import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMemory, toMiB } from '../../bench/harness/process-memory.js';
import { MAX_UNSENT_REPLY_BYTES } from '../../src/server/request-pacer.js';
import {
  pause,
  startDaemonProcess,
  type DaemonProcess,
} from '../support/daemon.js';
import { LineClient } from '../support/raw-socket.js';

const DEAF_CLIENTS = 4;
const REQUESTS_EACH = 3_000;
// Each rpc.discover reply is about 110 KB: started all at once, the
// requests of these clients would hold over a gigabyte of replies.
const MAX_DAEMON_RSS_MB = 200;

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
});

afterAll(async () => {
  await daemon.dispose();
});

// A client that writes its requests at once and never reads a reply.
function openDeafClient(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.pause();
      const lines = Array.from(
        { length: REQUESTS_EACH },
        (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"rpc.discover"}\n`,
      );
      socket.write(lines.join(''), () => resolve(socket));
    });
  });
}

function countDiscoveries(): number {
  return daemon
    .events('request.handled')
    .filter((event) => event.method === 'rpc.discover').length;
}

// Waits, within a deadline, until the daemon has answered at least
// `count` discoveries.
async function waitForDiscoveries(count: number): Promise<void> {
  for (let round = 0; round < 400 && countDiscoveries() < count; round++) {
    await pause(25);
  }
}

describe('clients that never read their replies', () => {
  it('cost the daemon bounded memory while another client is served', async () => {
    const deaf = await Promise.all(
      Array.from({ length: DEAF_CLIENTS }, () => openDeafClient(daemon.socket)),
    );
    const perClient = Math.ceil(MAX_UNSENT_REPLY_BYTES / (110 * 1024));
    await waitForDiscoveries(DEAF_CLIENTS * perClient);

    const reader = await LineClient.open(daemon.socket);
    const health = await reader.call(1, 'daemon.health');
    const memory = readMemory(daemon.child.pid!);
    const answered = countDiscoveries();
    reader.socket.destroy();
    for (const socket of deaf) socket.destroy();

    expect(health.result.status).toBe('ok');
    expect(answered).toBeGreaterThanOrEqual(DEAF_CLIENTS * perClient);
    expect(answered).toBeLessThan(DEAF_CLIENTS * REQUESTS_EACH);
    expect(toMiB(memory!.hwm)).toBeLessThan(MAX_DAEMON_RSS_MB);
  });
});

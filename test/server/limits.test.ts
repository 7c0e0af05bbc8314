import { afterEach, describe, expect, it } from 'vitest';
import {
  pause,
  startDaemonProcess,
  type DaemonProcess,
} from '../support/daemon.js';
import {
  LineClient,
  exchange,
  parseLines,
  type Json,
} from '../support/raw-socket.js';

const health = (id: number | string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'daemon.health' });

let daemon: DaemonProcess | undefined;

afterEach(async () => {
  await daemon?.dispose();
  daemon = undefined;
});

async function start(...args: string[]): Promise<DaemonProcess> {
  daemon = await startDaemonProcess({ args });
  return daemon;
}

function expectExhausted(reply: Json, limit: string): void {
  expect(reply).toMatchObject({
    id: null,
    error: { code: -32001, data: { code: 'RESOURCE_EXHAUSTED', limit } },
  });
}

describe('message size', () => {
  it('answers a line over the limit, keeps earlier replies, then closes', async () => {
    const { socket } = await start('--max-message-bytes', '1024');
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'snapshot.list',
      params: { job_id: 'x'.repeat(2000) },
    });

    const replies = parseLines(
      await exchange(socket, `${health(1)}\n${big}\n${health(3)}\n`),
    );

    expect(replies.map((r): unknown => r.id)).toEqual(
      expect.arrayContaining([1, null]),
    );
    expect(replies).toHaveLength(2);
    expectExhausted(
      replies.find((r) => r.id === null),
      'max_message_bytes',
    );
  });

  it('answers a Content-Length over the limit in that framing', async () => {
    const { socket } = await start('--max-message-bytes', '1024');

    const output = await exchange(socket, 'Content-Length: 5000\r\n\r\n{');

    expect(output).toMatch(/^Content-Length: \d+\r\n\r\n/);
    expectExhausted(
      JSON.parse(output.split('\r\n\r\n')[1]!),
      'max_message_bytes',
    );
  });

  it('still accepts a message just under the limit', async () => {
    const { socket } = await start('--max-message-bytes', '1024');
    const padded = JSON.stringify({
      jsonrpc: '2.0',
      id: 'fits',
      method: 'daemon.health',
      pad: 'p'.repeat(900),
    });

    const [reply] = parseLines(await exchange(socket, `${padded}\n`));

    expect(reply.result.status).toBe('ok');
  });
});

describe('connections', () => {
  it('tells a connection over the limit why, and serves again once one closes', async () => {
    const { socket } = await start('--max-connections', '2');
    const first = await LineClient.open(socket);
    const second = await LineClient.open(socket);
    await first.call(1, 'daemon.health');
    await second.call(1, 'daemon.health');

    const [refused] = parseLines(await exchange(socket, `${health(3)}\n`));
    expectExhausted(refused, 'max_connections');

    first.close();
    let served: Json;
    for (let attempt = 0; attempt < 100 && !served?.result; attempt++) {
      [served] = parseLines(await exchange(socket, `${health(4)}\n`));
      if (!served?.result) await pause(20);
    }
    expect(served.result.status).toBe('ok');
    second.close();
  });
});

describe('requests in flight', () => {
  it('refuses store requests over the limit and still answers health', async () => {
    const { socket } = await start('--max-in-flight', '0');

    const replies = parseLines(
      await exchange(
        socket,
        `{"jsonrpc":"2.0","id":1,"method":"snapshot.jobs"}\n${health(2)}\n`,
      ),
    );

    expect(replies.find((r) => r.id === 1).error).toMatchObject({
      code: -32001,
      data: { code: 'RESOURCE_EXHAUSTED', limit: 'max_in_flight' },
    });
    expect(replies.find((r) => r.id === 2).result.status).toBe('ok');
  });
});

describe('floods', () => {
  it('answers every request of a flood sent in one write, reading as room frees', async () => {
    const { socket } = await start();
    const count = 20_000;
    const lines = Array.from({ length: count }, (_, id) => health(id));

    const replies = parseLines(await exchange(socket, lines.join('\n') + '\n'));

    expect(replies).toHaveLength(count);
    const ids = new Set(replies.map((r): unknown => r.id));
    expect(ids.size).toBe(count);
    expect(replies.every((r) => r.result?.status === 'ok')).toBe(true);
  });
});

describe('silent and stuck peers', () => {
  it('closes a silent connection with a reason', async () => {
    const { socket } = await start('--idle-timeout-seconds', '0.3');
    const client = await LineClient.open(socket);

    await client.waitForClose();

    expect(client.lines).toHaveLength(1);
    expectExhausted(client.lines[0], 'idle_timeout');
  });

  it('drops a peer that never reads its replies, and serves others', async () => {
    const fixture = await start('--write-timeout-seconds', '0.5');
    const stuck = await LineClient.open(fixture.socket);
    stuck.socket.pause();
    const requests = Array.from({ length: 3000 }, (_, id) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'rpc.discover' }),
    );
    stuck.socket.write(requests.join('\n') + '\n');

    await fixture.waitForEvent('connection.write_timeout');
    const [other] = parseLines(
      await exchange(fixture.socket, `${health(1)}\n`),
    );
    expect(other.result.status).toBe('ok');

    stuck.socket.resume();
    await stuck.waitForClose();
    expect(stuck.lines.length).toBeLessThan(requests.length);
  });
});

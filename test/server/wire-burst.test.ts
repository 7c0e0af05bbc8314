import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import {
  exchange,
  LineClient,
  parseLines,
  type Json,
} from '../support/raw-socket.js';

// Requests that arrive in one write are started together and their
// replies leave together: these tests send everything in a single write.
let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
});

afterAll(async () => {
  await daemon.dispose();
});

const health = (id: number | string): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"daemon.health"}`;

describe('a burst written at once', () => {
  it('answers each of 500 requests once, under its own id', async () => {
    const ids = Array.from({ length: 500 }, (_, index) => index + 1);
    const lines = ids.map((id) => health(id)).join('\n');

    const replies = parseLines(await exchange(daemon.socket, `${lines}\n`));

    const answered = replies.map((reply: Json): number => reply.id as number);
    expect(answered.sort((a, b) => a - b)).toEqual(ids);
    expect(replies.every((reply: Json) => reply.result?.status === 'ok')).toBe(
      true,
    );
  });

  it('answers requests of every method in the same burst', async () => {
    const output = await exchange(
      daemon.socket,
      [
        health(1),
        '{"jsonrpc":"2.0","id":2,"method":"snapshot.jobs"}',
        '{"jsonrpc":"2.0","id":3,"method":"no.such"}',
        '{"jsonrpc":"2.0","id":4,"method":"snapshot.list","params":{}}',
      ].join('\n') + '\n',
    );
    const byId = new Map(parseLines(output).map((r: Json) => [r.id, r]));

    expect(byId.get(1)?.result?.status).toBe('ok');
    expect(byId.get(2)?.result?.jobs).toBeInstanceOf(Array);
    expect(byId.get(3)?.error?.data?.code).toBe('METHOD_NOT_FOUND');
    expect(byId.get(4)?.error?.data?.code).toBe('INVALID_PARAMS');
  });
});

describe('ids read without scanning the text', () => {
  it.each([
    ['a plain small integer', health(42), '42'],
    ['a decimal spelling of an integer', health('1.0'), '1.0'],
    ['minus zero', health('-0'), '-0'],
    ['an exponent', health('2E1'), '2E1'],
    [
      'an id key also found in the params',
      '{"jsonrpc":"2.0","id":7.0,"method":"snapshot.list",' +
        '"params":{"job_id":"\\"id\\":7"}}',
      '7.0',
    ],
    [
      'space around the colon',
      '{"jsonrpc":"2.0","id" : 1.50,"method":"daemon.health"}',
      '1.50',
    ],
    [
      'a second id member, the last one counting',
      '{"jsonrpc":"2.0","id":1,"method":"daemon.health","id":2.0}',
      '2.0',
    ],
  ])('keeps the spelling of %s', async (_case, line, expected) => {
    const output = await exchange(daemon.socket, `${line}\n`);

    expect(output).toMatch(
      new RegExp(`^\\{"jsonrpc":"2\\.0","id":${expected.replace('.', '\\.')},`),
    );
  });
});

describe('cancellation in the same write as its request', () => {
  it('cancels a capture whose $/cancelRequest arrived with it', async () => {
    const workspace = join(daemon.root, 'big');
    await mkdir(workspace, { recursive: true });
    const chunk = Buffer.alloc(4 * 1024 * 1024, 'log line\n');
    for (let index = 0; index < 24; index++) {
      await writeFile(join(workspace, `part-${index}.log`), chunk);
    }
    const client = await LineClient.open(daemon.socket);

    try {
      const capture = {
        jsonrpc: '2.0',
        id: 'cap',
        method: 'snapshot.capture',
        params: { job_id: 'job-cancel', workspace },
      };
      const cancel = {
        jsonrpc: '2.0',
        method: '$/cancelRequest',
        params: { id: 'cap' },
      };
      client.socket.write(
        `${JSON.stringify(capture)}\n${JSON.stringify(cancel)}\n`,
      );
      const reply = await client.waitFor((line) => line.id === 'cap');

      expect(reply.error, JSON.stringify(reply)).toMatchObject({
        code: -32800,
        data: { code: 'REQUEST_CANCELLED' },
      });
    } finally {
      client.close();
    }
  });
});

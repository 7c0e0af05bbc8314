import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import { exchange, parseLines, type Json } from '../support/raw-socket.js';

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
});

afterAll(async () => {
  await daemon.dispose();
});

async function send(...lines: string[]): Promise<Json[]> {
  return parseLines(await exchange(daemon.socket, `${lines.join('\n')}\n`));
}

const health = (id: string): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"daemon.health"}`;

describe('ids', () => {
  it.each([
    ['0', '0'],
    ['-7', '-7'],
    ['1.5', '1.5'],
    ['2.50', '2.50'],
    ['1e3', '1e3'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['""', '""'],
    ['"abc"', '"abc"'],
    ['"\\u00e9t\\u00e9"', '"été"'],
    ['null', 'null'],
  ])('answers id %s with the same id as sent', async (sent, expected) => {
    const output = await exchange(daemon.socket, `${health(sent)}\n`);

    expect(output).toContain(`"id":${expected},"result":`);
    expect(parseLines(output)[0].result.status).toBe('ok');
  });
});

describe('invalid input', () => {
  it.each([
    ['a number', '1', 'null'],
    ['a string', '"hello"', 'null'],
    ['an object with no method', '{"foo":1}', 'null'],
    [
      'a method that is not a string',
      '{"jsonrpc":"2.0","id":4,"method":1}',
      '4',
    ],
    ['a missing jsonrpc', '{"id":5,"method":"daemon.health"}', '5'],
    ['jsonrpc "1.0"', '{"jsonrpc":"1.0","id":6,"method":"daemon.health"}', '6'],
    [
      'an id that is an object',
      '{"jsonrpc":"2.0","id":{},"method":"x"}',
      'null',
    ],
    ['an id that is true', '{"jsonrpc":"2.0","id":true,"method":"x"}', 'null'],
    [
      'params that are a string',
      '{"jsonrpc":"2.0","id":9,"method":"daemon.health","params":"x"}',
      '9',
    ],
    [
      'params that are null',
      '{"jsonrpc":"2.0","id":10,"method":"daemon.health","params":null}',
      '10',
    ],
  ])('answers %s with -32600 and its id', async (_name, line, id) => {
    // A first line that opens with `{` selects newline framing for the
    // connection, so the invalid message itself may start with anything.
    const replies = await send(health('"opener"'), line);
    const reply = replies.find((r) => r.id !== 'opener');

    expect(reply.error.code).toBe(-32600);
    expect(reply.error.data.code).toBe('INVALID_REQUEST');
    expect(JSON.stringify(reply.id)).toBe(id);
    expect(reply.error.message).toMatch(/^Invalid request: /);
  });

  it('answers unparsable JSON with -32700 and keeps the connection usable', async () => {
    const replies = await send('{"jsonrpc":', health('2'));

    expect(replies).toHaveLength(2);
    const parse = replies.find((r) => r.id === null);
    expect(parse.error).toMatchObject({
      code: -32700,
      data: { code: 'PARSE_ERROR' },
    });
    expect(replies.find((r) => r.id === 2).result.status).toBe('ok');
  });

  it('answers an unknown method with -32601 naming it', async () => {
    const [reply] = await send('{"jsonrpc":"2.0","id":3,"method":"snap.nope"}');

    expect(reply).toMatchObject({
      id: 3,
      error: {
        code: -32601,
        data: { code: 'METHOD_NOT_FOUND', method: 'snap.nope' },
      },
    });
  });

  it('answers params given as a list with -32602', async () => {
    const [reply] = await send(
      '{"jsonrpc":"2.0","id":3,"method":"snapshot.list","params":["job"]}',
    );

    expect(reply.error).toMatchObject({
      code: -32602,
      data: { code: 'INVALID_PARAMS' },
    });
  });

  it('treats omitted params as an empty object', async () => {
    const [reply] = await send(
      '{"jsonrpc":"2.0","id":1,"method":"snapshot.jobs"}',
    );

    expect(reply.result).toEqual({ jobs: [] });
  });

  it('sends nothing for notifications, even unknown or invalid ones', async () => {
    const replies = await send(
      '{"jsonrpc":"2.0","method":"daemon.health"}',
      '{"jsonrpc":"2.0","method":"no.such.method"}',
      '{"jsonrpc":"2.0","method":"snapshot.list","params":{"job_id":".."}}',
      health('"last"'),
    );

    expect(replies).toHaveLength(1);
    expect(replies[0].id).toBe('last');
  });
});

describe('batches', () => {
  it('answers a batch with an array of replies, one per request', async () => {
    const [replies] = await send(
      `[${health('1')},{"jsonrpc":"2.0","method":"daemon.health"},` +
        `{"jsonrpc":"2.0","id":"two","method":"nope"},${health('3')}]`,
    );

    expect(Array.isArray(replies)).toBe(true);
    expect(replies.map((r: Json): unknown => r.id as unknown).sort()).toEqual([
      1,
      3,
      'two',
    ]);
    const failed = replies.find((r: Json) => r.id === 'two');
    expect(failed.error.code).toBe(-32601);
  });

  it('answers invalid members inside a batch with their own errors', async () => {
    const [replies] = await send('[1,{"foo":1},' + health('7') + ']');

    expect(replies).toHaveLength(3);
    expect(replies.filter((r: Json) => r.error?.code === -32600)).toHaveLength(
      2,
    );
    expect(replies.find((r: Json) => r.id === 7).result.status).toBe('ok');
  });

  it('keeps the exact spelling of numeric ids inside a batch', async () => {
    const output = await exchange(
      daemon.socket,
      `[${health('98765432109876543210')},${health('1.0')}]\n`,
    );

    expect(output).toContain('"id":98765432109876543210,');
    expect(output).toContain('"id":1.0,');
  });

  it('sends nothing for a batch of notifications only', async () => {
    const replies = await send(
      '[{"jsonrpc":"2.0","method":"daemon.health"},' +
        '{"jsonrpc":"2.0","method":"snapshot.jobs"}]',
      health('"after"'),
    );

    expect(replies).toEqual([expect.objectContaining({ id: 'after' })]);
  });

  it('answers an empty batch with one -32600 error', async () => {
    const replies = await send('[]');

    expect(replies).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: expect.objectContaining({
          code: -32600,
          data: { code: 'INVALID_REQUEST' },
        }),
      },
    ]);
  });
});

describe('methods', () => {
  it('reports health with the package version and where it serves', async () => {
    const [reply] = await send(health('1'));

    expect(reply.result).toMatchObject({
      status: 'ok',
      version: '0.1.0',
      protocol_version: '1.0',
      pid: daemon.child.pid,
      snapshot_dir: daemon.storeDir,
      socket: daemon.socket,
    });
    expect(reply.result.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('describes every method through rpc.discover', async () => {
    const [reply] = await send(
      '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}',
    );

    expect(reply.result.openrpc).toMatch(/^1\./);
    expect(
      reply.result.methods.map((m: Json): unknown => m.name as unknown),
    ).toContain('snapshot.capture');
  });

  it('logs one debug event per request with method, id, time and outcome', async () => {
    await send(health('"traced"'));

    const event = await daemon.waitForEvent('request.handled', {
      id: 'traced',
    });
    expect(event).toMatchObject({
      level: 20,
      method: 'daemon.health',
      ok: true,
      conn: expect.any(Number),
    });
    expect(event.ms).toBeTypeOf('number');
  });

  it('logs each failure with the request id and the error code', async () => {
    await send('{"jsonrpc":"2.0","id":"log-me","method":"snap.nope"}');

    const refused = await daemon.waitForEvent('request.refused', {
      id: 'log-me',
      code: 'METHOD_NOT_FOUND',
    });
    expect(refused.level).toBe(30);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import { exchange, parseLines, runSocat } from '../support/raw-socket.js';

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
});

afterAll(async () => {
  await daemon.dispose();
});

describe('socat one-liners', () => {
  it('answers the README example', async () => {
    const output = await runSocat(
      daemon.socket,
      `printf '%s\\n' '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}'`,
    );

    expect(parseLines(output)).toEqual([
      expect.objectContaining({
        id: 1,
        result: expect.objectContaining({ status: 'ok' }),
      }),
    ]);
  });

  it('answers several requests given as one input', async () => {
    const output = await runSocat(
      daemon.socket,
      `printf '%s\\n' '{"jsonrpc":"2.0","id":1,"method":"daemon.health"}' ` +
        `'{"jsonrpc":"2.0","id":2,"method":"snapshot.jobs"}' ` +
        `'{"jsonrpc":"2.0","id":3,"method":"snapshot.list","params":{"job_id":"none"}}'`,
    );

    const replies = parseLines(output);
    expect(replies.map((r): unknown => r.id).sort()).toEqual([1, 2, 3]);
    expect(replies.find((r) => r.id === 3).result).toEqual({ snapshots: [] });
  });

  it('reads a last line that has no newline', async () => {
    const output = await runSocat(
      daemon.socket,
      `printf '%s' '{"jsonrpc":"2.0","id":"tail","method":"daemon.health"}'`,
    );

    expect(parseLines(output)[0].id).toBe('tail');
  });

  it('speaks Content-Length to a client that sends headers', async () => {
    const body = '{"jsonrpc":"2.0","id":5,"method":"daemon.health"}';
    const output = await runSocat(
      daemon.socket,
      `printf 'Content-Length: ${body.length}\\r\\n\\r\\n%s' '${body}'`,
    );

    expect(output).toMatch(/^Content-Length: \d+\r\n\r\n\{/);
    expect(JSON.parse(output.split('\r\n\r\n')[1]!).id).toBe(5);
  });
});

describe('framing per connection', () => {
  it('replies in Content-Length framing to every message on such a connection', async () => {
    const frame = (id: number): string => {
      const body = `{"jsonrpc":"2.0","id":${id},"method":"daemon.health"}`;
      return `content-LENGTH: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const output = await exchange(
      daemon.socket,
      frame(1) + frame(2) + frame(3),
    );

    const bodies = output.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean);
    expect(bodies.map((b): unknown => JSON.parse(b).id).sort()).toEqual([
      1, 2, 3,
    ]);
  });

  it('skips whitespace before the first message', async () => {
    const output = await exchange(
      daemon.socket,
      '\n  \n{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n',
    );

    expect(parseLines(output)[0].id).toBe(1);
  });

  it('answers a Content-Length header without a length, then closes', async () => {
    const output = await exchange(
      daemon.socket,
      'Content-Type: application/json\r\n\r\n{}',
    );

    const body = JSON.parse(output.split('\r\n\r\n')[1]!);
    expect(body).toMatchObject({
      id: null,
      error: { code: -32700, data: { code: 'PARSE_ERROR' } },
    });
    expect(body.error.message).toMatch(/Content-Length/);
  });

  it('carries multi-byte characters in params and replies', async () => {
    const output = await exchange(
      daemon.socket,
      '{"jsonrpc":"2.0","id":"été","method":"snapshot.list","params":{"job_id":"ü"}}\n',
    );

    const [reply] = parseLines(output);
    expect(reply.id).toBe('été');
    expect(reply.error.data.field).toBe('job_id');
  });
});

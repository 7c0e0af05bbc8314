import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exceedsNestingDepth,
  MAX_NESTING_DEPTH,
  readUnparsedIdText,
} from '../../src/server/nesting-depth.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import { LineClient } from '../support/raw-socket.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('the nesting depth scan', () => {
  it.each([
    ['a flat request', '{"jsonrpc":"2.0","id":1,"method":"x"}', false],
    ['arrays just under the limit', nested(MAX_NESTING_DEPTH - 1), false],
    ['arrays at the limit', nested(MAX_NESTING_DEPTH), false],
    ['arrays one over the limit', nested(MAX_NESTING_DEPTH + 1), true],
    [
      'objects one over the limit',
      '{"a":'.repeat(MAX_NESTING_DEPTH + 1) +
        '1' +
        '}'.repeat(MAX_NESTING_DEPTH + 1),
      true,
    ],
    ['brackets inside a string', `{"a":"${'['.repeat(10_000)}"}`, false],
    [
      'an escaped quote that keeps a string open',
      `{"a":"\\"${'{'.repeat(10_000)}"}`,
      false,
    ],
    [
      'an escaped backslash that closes a string',
      `{"a":"\\\\",${'['.repeat(MAX_NESTING_DEPTH + 1)}`,
      true,
    ],
    ['unclosed nesting past the limit', '['.repeat(50_000), true],
  ])('judges %s', (_name, text, tooDeep) => {
    expect(exceedsNestingDepth(text)).toBe(tooDeep);
  });
});

describe('the id of a message refused unparsed', () => {
  const deep = nested(MAX_NESTING_DEPTH + 1);

  it.each([
    ['a number', `{"jsonrpc":"2.0","id":12,"params":${deep}}`, '12'],
    [
      'a number past double precision, as written',
      `{"id":12345678901234567890,"params":${deep}}`,
      '12345678901234567890',
    ],
    [
      'a string, spelled as JavaScript prints it',
      `{"params":${deep},"id":"a\\u0062"}`,
      '"ab"',
    ],
    ['null', `{"id":null,"params":${deep}}`, 'null'],
    ['no id', `{"jsonrpc":"2.0","params":${deep}}`, 'null'],
    ['an id that is an object', `{"id":${deep}}`, 'null'],
    ['a batch', `[${deep},{"id":1}]`, 'null'],
    ['text that is not JSON', `{id:1,${deep}`, 'null'],
  ])('reads %s', (_name, text, idText) => {
    expect(readUnparsedIdText(text)).toBe(idText);
  });
});

describe('a message nested too deep', () => {
  let daemon: DaemonProcess;

  beforeAll(async () => {
    daemon = await startDaemonProcess();
  });

  afterAll(async () => {
    await daemon.dispose();
  });

  it('is refused as an invalid request under its id, and the connection stays usable', async () => {
    const client = await LineClient.open(daemon.socket);
    const params = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    client.socket.write(
      `{"jsonrpc":"2.0","id":7,"method":"daemon.health","params":${params}}\n`,
    );

    client.socket.write(`[${nested(50_000)}]\n`);

    const refusal = await client.waitFor((line) => line.id === 7);
    const anonymous = await client.waitFor((line) => line.id === null);
    const health = await client.call(8, 'daemon.health');
    client.socket.destroy();

    expect(anonymous.error.data.code).toBe('INVALID_REQUEST');
    expect(refusal.error.code).toBe(-32600);
    expect(refusal.error.data.code).toBe('INVALID_REQUEST');
    expect(refusal.error.message).toContain(`${MAX_NESTING_DEPTH} levels`);
    expect(health.result.status).toBe('ok');
  });
});

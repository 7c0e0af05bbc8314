/**
 * Seeded generator of hostile newline-delimited JSON-RPC traffic. Each
 * generated line says which ids must be answered exactly once, so the
 * scenario can count replies; lines with no usable id (malformed JSON,
 * invalid ids, random bytes) are sent for their effect on the daemon.
 */
import type { Random } from '../../bench/workloads.js';

export interface BadLine {
  kind: string;
  /** The bytes to send, newline included. */
  bytes: Buffer;
  /** Ids that must each get exactly one reply. */
  expectIds: (string | number)[];
}

type Id = string | number;

const METHODS = [
  'daemon.health',
  'snapshot.list',
  'snapshot.jobs',
  'snapshot.get',
  'snapshot.capture',
  'snapshot.verify',
  'rpc.discover',
];

function line(kind: string, text: string, expectIds: Id[] = []): BadLine {
  return { kind, bytes: Buffer.from(`${text}\n`), expectIds };
}

function nest(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Generates one line of hostile traffic; `nextId` hands out unique ids. */
export function generateBadLine(random: Random, nextId: () => number): BadLine {
  const id = nextId();
  const request = (method: string, params?: unknown, requestId: Id = id) =>
    JSON.stringify({ jsonrpc: '2.0', id: requestId, method, params });
  const kinds: (() => BadLine)[] = [
    () => line('valid', request(random.pick(METHODS), {}), [id]),
    () =>
      line('valid list', request('snapshot.list', { job_id: `j${id % 7}` }), [
        id,
      ]),
    () => line('unknown method', request(`no.such.${id}`), [id]),
    () =>
      line(
        'wrong param type',
        request('snapshot.list', {
          job_id: random.pick([1, true, null, {}, []]),
        }),
        [id],
      ),
    () => line('params array', request('snapshot.list', [1, 2, 3]), [id]),
    () => line('params string', request('daemon.health', 'x'), [id]),
    () => line('unknown param', request('daemon.health', { nope: 1 }), [id]),
    () =>
      line(
        'relative workspace',
        request('snapshot.capture', { job_id: 'j', workspace: 'rel/path' }),
        [id],
      ),
    () =>
      line(
        'climbing job id',
        request('snapshot.list', {
          job_id: random.pick(['../x', '.staging', '']),
        }),
        [id],
      ),
    () =>
      line(
        'wrong jsonrpc',
        JSON.stringify({
          jsonrpc: random.pick(['1.0', 2, null]),
          id,
          method: 'daemon.health',
        }),
        [id],
      ),
    () =>
      line(
        'method not a string',
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: random.pick([1, null, {}]),
        }),
        [id],
      ),
    () =>
      line(
        'huge string',
        request('snapshot.list', {
          job_id: 'x'.repeat(random.pick([200, 10_000, 300_000])),
        }),
        [id],
      ),
    () =>
      line(
        'huge number',
        request('snapshot.list', {
          job_id: 'j',
          limit: random.pick([1e308, -1, 0.5, 2 ** 60]),
        }),
        [id],
      ),
    () =>
      line(
        'deep nesting',
        `{"jsonrpc":"2.0","id":${id},"method":"snapshot.list","params":` +
          `{"job_id":${nest(random.pick([64, 5_000, 50_000]))}}}`,
        [id],
      ),
    () =>
      line('unicode', request('snapshot.list', { job_id: 'jöb-漢字-🎻' }), [
        id,
      ]),
    () =>
      line('fractional id', request('daemon.health', {}, id + 0.25), [
        id + 0.25,
      ]),
    () => line('negative id', request('daemon.health', {}, -id), [-id]),
    () => line('big id', request('daemon.health', {}, 1e15 + id), [1e15 + id]),
    () =>
      line('string id', request('daemon.health', {}, `s-${id} ✓`), [
        `s-${id} ✓`,
      ]),
    () => line('leading space', `  ${request('daemon.health')}`, [id]),
    () =>
      line(
        'bad id',
        JSON.stringify({
          jsonrpc: '2.0',
          id: random.pick([{}, [], true, false]),
          method: 'daemon.health',
        }),
      ),
    () => line('null id', request('daemon.health', {}, null as unknown as Id)),
    () =>
      line(
        'notification',
        JSON.stringify({ jsonrpc: '2.0', method: 'daemon.health' }),
      ),
    () =>
      line(
        'unknown notification',
        JSON.stringify({ jsonrpc: '2.0', method: 'x.y' }),
      ),
    () =>
      line('truncated', request('daemon.health').slice(0, 1 + random.int(40))),
    () => line('trailing comma', `{"jsonrpc":"2.0","id":${id},"method":"x",}`),
    () => line('single quotes', `{'jsonrpc':'2.0','id':${id}}`),
    () =>
      line(
        'not an object',
        random.pick(['1', '"x"', 'null', 'true', '{}', '{"foo":1}']),
      ),
    () => line('header line', `Content-Length: ${random.int(200)}`),
    () => {
      const bytes = random
        .bytes(1 + random.int(300))
        .map((b) => (b === 10 ? 32 : b));
      return {
        kind: 'random bytes',
        bytes: Buffer.concat([bytes, Buffer.from('\n')]),
        expectIds: [],
      };
    },
    () => line('empty batch', '[]'),
    () => {
      const second = nextId();
      const batch = [
        { jsonrpc: '2.0', id, method: 'daemon.health' },
        { jsonrpc: '2.0', method: 'daemon.health' },
        { foo: 1 },
        { jsonrpc: '2.0', id: second, method: 'no.such' },
        5,
      ];
      return line('mixed batch', JSON.stringify(batch), [id, second]);
    },
    () =>
      line(
        'notification batch',
        JSON.stringify([{ jsonrpc: '2.0', method: 'daemon.health' }]),
      ),
  ];
  return random.pick(kinds)();
}

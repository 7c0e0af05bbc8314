/**
 * Hostile input from several connections at once: malformed JSON, wrong
 * types, huge and deeply nested values, unknown methods, bad ids, batches,
 * partial frames split at random bytes, random bytes, and connections that
 * break the framing. The daemon never exits, every request with an id on
 * a parseable connection gets exactly one reply, and a well-behaved client
 * on its own connection is served throughout.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  RpcConnection,
  RpcReply,
} from '../../bench/harness/rpc-connection.js';
import { startHealthProbe } from '../../bench/harness/health-probe.js';
import { createRandom, type Random } from '../../bench/workloads.js';
import {
  startDaemonFixture,
  type DaemonFixture,
} from '../support/daemon-under-test.js';
import { generateBadLine, type BadLine } from './bad-messages.js';

const CONNECTIONS = 8;
const LINES_PER_CONNECTION = 1_300;

interface Ledger {
  expected: Map<unknown, number>;
  unexpected: unknown[];
  idNull: number;
}

function recordReplies(ledger: Ledger, message: unknown): void {
  const replies = Array.isArray(message) ? message : [message];
  for (const reply of replies as RpcReply[]) {
    if (reply.id === null) {
      ledger.idNull += 1;
    } else if (ledger.expected.has(reply.id)) {
      ledger.expected.set(reply.id, ledger.expected.get(reply.id)! + 1);
    } else {
      ledger.unexpected.push(reply);
    }
  }
}

// Writes the bytes in random-sized pieces with short pauses, so frames
// (and UTF-8 sequences) arrive split at arbitrary points.
async function writeInPieces(
  connection: RpcConnection,
  bytes: Buffer,
  random: Random,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length && connection.open) {
    const size = 1 + random.int(random.next() < 0.3 ? 16 : 64 * 1024);
    connection.writeRaw(bytes.subarray(offset, offset + size));
    offset += size;
    if (random.next() < 0.1) await new Promise((r) => setTimeout(r, 1));
  }
}

function hasMissing(ledger: Ledger): boolean {
  return [...ledger.expected.values()].some((n) => n === 0);
}

// Reads replies until every expected id is answered (bounded), then a
// moment more so that a duplicate reply would be seen too.
async function collectReplies(
  connection: RpcConnection,
  ledger: Ledger,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  const drain = () => {
    for (const message of connection.received.splice(0)) {
      recordReplies(ledger, message);
    }
  };
  while (hasMissing(ledger) && Date.now() < deadline) {
    drain();
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));
  drain();
}

function createLedger(lines: readonly BadLine[]): Ledger {
  const ledger: Ledger = { expected: new Map(), unexpected: [], idNull: 0 };
  for (const line of lines) {
    for (const id of line.expectIds) ledger.expected.set(id, 0);
  }
  return ledger;
}

// Every connection's lines, generated up front so that generating them
// does not delay the sending.
function planConnections(random: Random): BadLine[][] {
  let nextId = 1;
  const takeId = () => nextId++;
  return Array.from({ length: CONNECTIONS }, () => {
    const firstId = takeId();
    const lines: BadLine[] = [
      {
        kind: 'valid',
        bytes: Buffer.from(
          `{"jsonrpc":"2.0","id":${firstId},"method":"daemon.health"}\n`,
        ),
        expectIds: [firstId],
      },
    ];
    while (lines.length < LINES_PER_CONNECTION) {
      lines.push(generateBadLine(random, takeId));
    }
    return lines;
  });
}

// Connections whose framing is broken on purpose: nothing is promised
// about their replies, only that the daemon survives them.
async function sendFramingChaos(
  socket: string,
  random: Random,
): Promise<number> {
  const payloads: (string | Buffer)[] = [
    'Content-Length: 40\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"daemon.health"}',
    'Content-Length: -5\r\n\r\n{}',
    'Content-Length: 999999999999\r\n\r\n{',
    'Content-Type: x\r\n\r\n{"jsonrpc":"2.0","id":1}',
    'Content-Length: 2\r\n\r\n{}Content-Length: 1\r\n\r\n[',
    `{"jsonrpc":"2.0","id":1,"method":"daemon.health","params":"${'x'.repeat(17 * 1024 * 1024)}`,
    '{"jsonrpc":"2.0","id":1,"method":"daem',
    random.bytes(64 * 1024),
    Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x0a]),
    '\n\n\n{"jsonrpc":"2.0","id":1,"method":"daemon.health"}\n',
  ];
  await Promise.all(
    payloads.map(
      (payload) =>
        new Promise<void>((resolve) => {
          const socket_ = connect(socket);
          socket_.on('error', () => resolve());
          socket_.on('close', () => resolve());
          socket_.on('data', () => undefined);
          socket_.on('connect', () => {
            socket_.write(payload);
            setTimeout(() => socket_.destroy(), 200 + random.int(300));
          });
        }),
    ),
  );
  return payloads.length;
}

describe('bad input', () => {
  let fixture: DaemonFixture;

  beforeAll(async () => {
    fixture = await startDaemonFixture();
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('answers every request with an id exactly once while a good client is served', async () => {
    const random = createRandom(90210);
    const plans = planConnections(random);
    const kinds = new Map<string, number>();
    for (const line of plans.flat()) {
      kinds.set(line.kind, (kinds.get(line.kind) ?? 0) + 1);
    }
    const good = await startHealthProbe(fixture.socket);

    const connections = await Promise.all(plans.map(() => fixture.connect()));
    const ledgers = plans.map((lines) => createLedger(lines));
    const writes = connections.map((connection, i) =>
      writeInPieces(
        connection,
        Buffer.concat(plans[i]!.map((l) => l.bytes)),
        random,
      ),
    );
    const chaos = await sendFramingChaos(fixture.socket, random);
    await Promise.all(writes);
    await Promise.all(
      connections.map((connection, i) =>
        collectReplies(connection, ledgers[i]!),
      ),
    );
    const probe = await good.stop();
    const expectedTotal = ledgers.reduce((n, l) => n + l.expected.size, 0);

    const counts = ledgers.flatMap((l) => [...l.expected.values()]);
    const missing = counts.filter((n) => n === 0).length;
    const duplicated = counts.filter((n) => n > 1).length;
    const unexpected = ledgers.reduce((n, l) => n + l.unexpected.length, 0);
    const idNull = ledgers.reduce((n, l) => n + l.idNull, 0);
    const unparsable = connections.reduce((n, c) => n + c.unparsable.length, 0);
    const stillOpen = connections.filter((c) => c.open).length;
    const health = await (
      await fixture.connect()
    ).call<{ status: string }>('daemon.health');
    console.log(
      `[reliability] bad-input: ${CONNECTIONS * LINES_PER_CONNECTION} lines ` +
        `of ${kinds.size} kinds on ${CONNECTIONS} connections (split at ` +
        `random bytes) + ${chaos} framing-breaking connections; ` +
        `${expectedTotal} requests with ids: ${expectedTotal - missing - duplicated} ` +
        `answered once, ${missing} unanswered, ${duplicated} answered twice, ` +
        `${unexpected} stray replies, ${idNull} id-null errors, ` +
        `${unparsable} unparsable reply lines; ${stillOpen}/${CONNECTIONS} ` +
        `connections still open; good client: ${probe.calls} calls, ` +
        `${probe.failed} failed, longest ${Math.round(probe.maxMs)} ms`,
    );
    expect(fixture.daemon.isRunning()).toBe(true);
    expect(health.status).toBe('ok');
    expect({ missing, duplicated, unexpected, unparsable }).toEqual({
      missing: 0,
      duplicated: 0,
      unexpected: 0,
      unparsable: 0,
    });
    expect(probe.failures).toEqual([]);
    expect(probe.calls).toBeGreaterThan(0);
  });
});

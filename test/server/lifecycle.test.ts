import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startDaemonProcess,
  waitForExit,
  type DaemonProcess,
} from '../support/daemon.js';
import { LineClient, type Json } from '../support/raw-socket.js';

let daemon: DaemonProcess | undefined;
const clients: LineClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await daemon?.dispose();
  daemon = undefined;
});

async function start(...args: string[]): Promise<DaemonProcess> {
  daemon = await startDaemonProcess({ args });
  return daemon;
}

async function open(socket: string): Promise<LineClient> {
  const client = await LineClient.open(socket);
  clients.push(client);
  return client;
}

// A workspace whose capture takes a while: many megabytes of logs.
async function makeBigWorkspace(root: string, name: string): Promise<string> {
  const workspace = join(root, name);
  await mkdir(workspace, { recursive: true });
  const chunk = Buffer.alloc(4 * 1024 * 1024, 'log line\n');
  for (let index = 0; index < 24; index++) {
    await writeFile(join(workspace, `part-${index}.log`), chunk);
  }
  await writeFile(join(workspace, 'state.json'), '{"state":"running"}');
  return workspace;
}

function captureRequest(id: string, workspace: string, token?: string): Json {
  return {
    jsonrpc: '2.0',
    id,
    method: 'snapshot.capture',
    params: {
      job_id: 'job-1',
      workspace,
      ...(token === undefined ? {} : { progress_token: token }),
    },
  };
}

const isProgress = (token: string) => (line: Json) =>
  line.method === '$/progress' && line.params.token === token;

describe('stopping', () => {
  it('finishes a capture in flight on SIGTERM, refuses new work, exits 0 \
and removes its socket', async () => {
    const fixture = await start();
    const workspace = await makeBigWorkspace(fixture.root, 'ws');
    const client = await open(fixture.socket);
    client.send(captureRequest('cap', workspace, 'p'));
    await client.waitFor(isProgress('p'));

    fixture.child.kill('SIGTERM');
    await fixture.waitForEvent('daemon.stopping');
    const refused = await client.call('late', 'daemon.health');
    const captured = await client.waitFor((line) => line.id === 'cap');

    expect(refused.error).toMatchObject({
      code: -32003,
      data: { code: 'SHUTTING_DOWN' },
    });
    expect(captured.result.snapshot).toMatchObject({ job_id: 'job-1' });
    expect(await waitForExit(fixture.child)).toBe(0);
    await expect(lstat(fixture.socket)).rejects.toThrow(/ENOENT/);
  });

  it('exits 0 on SIGINT when idle', async () => {
    const fixture = await start();

    expect(await fixture.stop('SIGINT')).toBe(0);
    await expect(lstat(fixture.socket)).rejects.toThrow(/ENOENT/);
    expect(fixture.events('daemon.stopped')).toHaveLength(1);
  });
});

describe('progress and cancellation', () => {
  it('reports capture progress under the client token', async () => {
    const fixture = await start();
    const workspace = await makeBigWorkspace(fixture.root, 'ws');
    const client = await open(fixture.socket);

    client.send(captureRequest('cap', workspace, 'tok-7'));
    const reply = await client.waitFor((line) => line.id === 'cap');

    const progress = client.lines.filter(isProgress('tok-7'));
    expect(reply.result?.snapshot?.files, JSON.stringify(reply)).toBe(25);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1).params.value).toMatchObject({
      stage: 'capture',
      done: 25,
      total: 25,
    });
  });

  it('cancels a capture on $/cancelRequest and replies -32800', async () => {
    const fixture = await start();
    const workspace = await makeBigWorkspace(fixture.root, 'ws');
    const client = await open(fixture.socket);
    client.send(captureRequest('cap', workspace, 'c'));
    await client.waitFor(isProgress('c'));

    client.send({
      jsonrpc: '2.0',
      method: '$/cancelRequest',
      params: { id: 'cap' },
    });
    const reply = await client.waitFor((line) => line.id === 'cap');

    expect(reply.error, JSON.stringify(reply)).toMatchObject({
      code: -32800,
      data: { code: 'REQUEST_CANCELLED' },
    });
    const list = await client.call('list', 'snapshot.list', {
      job_id: 'job-1',
    });
    expect(list.result.snapshots).toEqual([]);
  });
});

describe('many clients', () => {
  it('keeps serving after a client disconnects mid-request', async () => {
    const fixture = await start();
    const workspace = await makeBigWorkspace(fixture.root, 'ws');
    const leaver = await open(fixture.socket);
    leaver.send(captureRequest('cap', workspace, 'l'));
    await leaver.waitFor(isProgress('l'));

    leaver.close();
    const other = await open(fixture.socket);
    const reply = await other.call(1, 'snapshot.jobs');

    expect(reply.result.jobs).toBeInstanceOf(Array);
    expect(fixture.events('request.failed')).toEqual([]);
  });

  it('answers fast requests on other connections while big captures run', async () => {
    const fixture = await start();
    const workspace = await makeBigWorkspace(fixture.root, 'ws');
    const order: string[] = [];

    const slow = Array.from(
      { length: 3 },
      async (_, index): Promise<unknown> => {
        const client = await open(fixture.socket);
        const reply = await client.call(`slow-${index}`, 'snapshot.capture', {
          job_id: `job-${index}`,
          workspace,
        });
        order.push('slow');
        return reply as unknown;
      },
    );
    const fast = Array.from(
      { length: 16 },
      async (_, index): Promise<unknown[]> => {
        const client = await open(fixture.socket);
        const replies: Json[] = [];
        for (let call = 0; call < 5; call++) {
          const id = `fast-${index}-${call}`;
          replies.push(
            await client.call(id, 'snapshot.list', { job_id: 'nothing' }),
          );
        }
        order.push('fast');
        return replies as unknown[];
      },
    );

    const fastReplies = (await Promise.all(fast)).flat() as Json[];
    const slowReplies = (await Promise.all(slow)) as Json[];

    expect(fastReplies.every((r) => Array.isArray(r.result.snapshots))).toBe(
      true,
    );
    expect(slowReplies.every((r) => r.result.snapshot.files === 25)).toBe(true);
    expect(order.slice(0, 16)).toEqual(Array(16).fill('fast'));
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ResponseError } from 'vscode-jsonrpc/node';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { CLI_PATH } from '../support/daemon.js';
import {
  startRpcPeer,
  waitForCancel,
  type RpcPeer,
  type RpcPeerOptions,
} from '../support/rpc-peer.js';

// Peers that behave as the real daemon cannot be made to on demand: one
// that hangs, one that speaks another protocol, a capture slow enough to
// interrupt.
const peers: RpcPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

async function peer(options: RpcPeerOptions): Promise<RpcPeer> {
  const started = await startRpcPeer(options);
  peers.push(started);
  return started;
}

describe('a daemon that misbehaves', () => {
  it('exits 3 when the daemon accepts but never answers', async () => {
    const { socket } = await peer({ silent: true });

    const run = await runCli(['health', '--socket', socket]);

    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(
      /did not answer daemon\.health within 5000 ms \(DAEMON_TIMEOUT\)/,
    );
  });

  it('warns about another major protocol version and goes on', async () => {
    const { socket } = await peer({ protocolVersion: '2.0' });

    const run = await runCli(['health', '--socket', socket]);

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^protocol +2\.0$/m);
    expect(run.stderr).toBe(
      'marianne-snapshot: warning: the daemon speaks protocol 2.0, ' +
        'this client 1.0; some commands may fail\n',
    );
  });
});

describe('Ctrl-C', () => {
  it('cancels the capture on the daemon and exits 130', async () => {
    let cancelled = false;
    const slow = await peer({
      handlers: {
        'snapshot.capture': async ({ token }) => {
          await waitForCancel(token);
          cancelled = true;
          throw new ResponseError(-32800, 'capture cancelled', {
            code: 'REQUEST_CANCELLED',
          });
        },
      },
    });
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'capture', 'job-1', '/tmp', '--socket', slow.socket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const closed = once(child, 'close');

    await expect
      .poll(() => slow.countOf('snapshot.capture'), { timeout: 30_000 })
      .toBe(1);
    child.kill('SIGINT');
    const [status] = (await closed) as [number];

    expect(status).toBe(130);
    expect(cancelled).toBe(true);
    expect(stderr).toContain('interrupted; asking the daemon to cancel');
    expect(stderr).toContain('capture cancelled (REQUEST_CANCELLED)');
  });
});

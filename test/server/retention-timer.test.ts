import { afterEach, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import { exchange, parseLines } from '../support/raw-socket.js';
import {
  createSnapshotFolders,
  type SnapshotFolders,
} from '../support/snapshot-folders.js';

const DAY_SECONDS = 24 * 3600;
let folders: SnapshotFolders | undefined;
let daemon: DaemonProcess | undefined;

afterEach(async () => {
  await daemon?.dispose();
  await folders?.dispose();
  daemon = folders = undefined;
});

async function listIds(socket: string, jobId: string): Promise<string[]> {
  const output = await exchange(
    socket,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'snapshot.list',
      params: { job_id: jobId },
    }) + '\n',
  );
  const [reply] = parseLines(output);
  return (reply.result.snapshots as { id: string }[]).map((s) => s.id);
}

describe('background expiry', () => {
  it.each([
    ['--max-age-hours', ['--max-age-hours', '24'], 1],
    ['--keep-last', ['--max-age-hours', '24', '--keep-last', '2'], 0],
  ])(
    'removes what the policy from %s allows, off the request path',
    async (_flag, args, expectedRemoved) => {
      folders = await createSnapshotFolders();
      const now = Math.floor(Date.now() / 1000);
      const old = await folders.writeOriginal('job', now - 10 * DAY_SECONDS);
      const recent = await folders.write({ jobId: 'job' });

      daemon = await startDaemonProcess({
        root: folders.root,
        args: ['--cleanup-interval-minutes', '60', ...args],
      });
      const pass = await daemon.waitForEvent('retention.expired');

      expect(pass.removed).toBe(expectedRemoved);
      const ids = await listIds(daemon.socket, 'job');
      expect(ids).toContain(recent.id);
      expect(ids.includes(old.id)).toBe(expectedRemoved === 0);
    },
  );
});

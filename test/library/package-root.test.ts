import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SnapshotError,
  SnapshotManager,
  connect,
  startDaemon,
  type Daemon,
} from '../../src/index.js';
import {
  makeTempRoot,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('the package root', () => {
  let temp: TempRoot;

  beforeEach(async () => {
    temp = await makeTempRoot('ms-lib-');
  });

  afterEach(async () => {
    await temp.dispose();
  });

  it("embeds the store in the original's shape", async () => {
    await writeFiles(temp.workspace, {
      'state.json': '{"done":true}',
      'marianne.log': 'line\n',
    });
    const store = new SnapshotManager({ baseDir: temp.storeDir });

    const snapshot = await store.capture('job-1', temp.workspace);
    const listed = await store.listSnapshots('job-1');
    const removed = await store.cleanup({ maxAgeHours: 0 });

    expect(store.baseDir).toBe(temp.storeDir);
    expect(snapshot?.files).toBe(2);
    expect(listed.map((entry) => entry.id)).toEqual([snapshot?.id]);
    expect(removed).toBe(1);
    expect(await store.listSnapshots('job-1')).toEqual([]);
    await store.close();
  });

  it('talks to a daemon through connect() with typed errors', async () => {
    const socket = join(temp.root, 'd.sock');
    const store = new SnapshotManager({ baseDir: temp.storeDir });
    const daemon: Daemon = await startDaemon({
      store,
      socket,
      log: pino({ level: 'silent' }),
    });
    const client = await connect({ socket });

    try {
      const health = await client.daemon.health();
      const missing = await client.snapshot
        .get({ job_id: 'job-1', id: '1' })
        .catch((error: unknown) => error);

      expect(health.snapshot_dir).toBe(temp.storeDir);
      expect(missing).toBeInstanceOf(SnapshotError);
      expect((missing as SnapshotError).code).toBe('SNAPSHOT_NOT_FOUND');
    } finally {
      client.close();
      await daemon.close();
    }
  });

  it('exports built files for every entry of its exports map', async () => {
    const manifest = JSON.parse(
      await readFile(join(root, 'package.json'), 'utf8'),
    ) as { exports: Record<string, { types: string; default: string }> };

    for (const entry of Object.values(manifest.exports)) {
      const module = (await import(join(root, entry.default))) as object;

      await expect(readFile(join(root, entry.types))).resolves.toBeTruthy();
      expect(Object.keys(module).length).toBeGreaterThan(3);
    }
  });
});

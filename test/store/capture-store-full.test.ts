/**
 * A store that refuses writes half way through a capture. The file size
 * limit (`ulimit -f`, with SIGXFSZ ignored) makes every write past 32 KiB
 * fail with EFBIG, as a full disk fails with ENOSPC, without needing a
 * mount or root. It applies to a whole process, so the capture runs in a
 * child against the built store in dist/ (`npm test` builds it first).
 */
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  makeTempRoot,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

const run = promisify(execFile);
const BUILT_STORE = resolve('dist/src/store/snapshot-manager.js');

let temp: TempRoot;

beforeEach(async () => {
  temp = await makeTempRoot();
});

afterEach(async () => {
  await temp.dispose();
});

async function captureWithFileSizeLimit(): Promise<Record<string, unknown>> {
  const script = `
    const { SnapshotManager } = await import(${JSON.stringify(BUILT_STORE)});
    const store = new SnapshotManager({ baseDir: ${JSON.stringify(temp.storeDir)} });
    try {
      await store.capture('job', ${JSON.stringify(temp.workspace)});
      process.stdout.write(JSON.stringify({ captured: true }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ code: err.code, message: err.message }));
    }
  `;
  const scriptPath = join(temp.root, 'capture.mjs');
  await writeFile(scriptPath, script);
  // 64 blocks of 512 bytes: the limit is on each file the process writes.
  const { stdout } = await run('sh', [
    '-c',
    `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${scriptPath}"`,
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

it('answers STORE_UNAVAILABLE when a write fails mid-capture, and keeps nothing', async () => {
  await writeFiles(temp.workspace, {
    'a-small.json': '{}',
    'marianne.log': 'x'.repeat(1024 * 1024),
  });

  const outcome = await captureWithFileSizeLimit();

  expect(outcome).toMatchObject({
    code: 'STORE_UNAVAILABLE',
    message: expect.stringMatching(/marianne\.log: EFBIG/),
  });
  expect(await readdir(temp.storeDir)).toEqual(['.staging']);
  expect(await readdir(join(temp.storeDir, '.staging'))).toEqual([]);
});

/**
 * A file the daemon may not read. Root ignores file modes, so when the
 * tests run as root the capture runs in a child process as `nobody`
 * (against the built store in dist/, as `npm test` builds it first);
 * otherwise it runs here.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CaptureOutcome } from '../../src/store/api.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  makeTempRoot,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

const run = promisify(execFile);
const NOBODY = 65534;
const BUILT_STORE = resolve('dist/src/store/snapshot-manager.js');

let temp: TempRoot;

beforeEach(async () => {
  temp = await makeTempRoot();
});

afterEach(async () => {
  await temp.dispose();
});

// Captures as a user who cannot read mode-000 files.
async function captureAsUnprivileged(): Promise<CaptureOutcome> {
  if (process.getuid?.() !== 0) {
    const store = new SnapshotManager({ baseDir: temp.storeDir });
    return store.captureSnapshot('job', temp.workspace);
  }

  for (const path of [temp.root, temp.workspace]) {
    await chown(path, NOBODY, NOBODY);
  }
  await chmod(temp.root, 0o755);
  const script = `
    const { SnapshotManager } = await import(${JSON.stringify(BUILT_STORE)});
    const store = new SnapshotManager({ baseDir: ${JSON.stringify(temp.storeDir)} });
    const outcome = await store.captureSnapshot('job', ${JSON.stringify(temp.workspace)});
    process.stdout.write(JSON.stringify(outcome));
  `;
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', script],
    { uid: NOBODY, gid: NOBODY, cwd: temp.root },
  );
  return JSON.parse(stdout) as CaptureOutcome;
}

it('records an unreadable file as failed (EACCES) and captures the rest', async () => {
  await writeFiles(temp.workspace, { 'state.json': '{}' });
  await writeFile(join(temp.workspace, 'secret.json'), '{"secret":1}');
  await chmod(join(temp.workspace, 'secret.json'), 0o000);

  const outcome = await captureAsUnprivileged();

  expect(outcome.snapshot?.files).toBe(1);
  expect(outcome).toMatchObject({
    failed: [{ name: 'secret.json', error: expect.stringContaining('EACCES') }],
  });
});

/**
 * A small tmpfs mounted on a temp folder, to give the store a full or a
 * read-only filesystem for real. Needs root (as on this project's CI);
 * `mountTmpfs` says why when the kernel refuses.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  path: string;
  remount(mode: 'ro' | 'rw'): Promise<void>;
  dispose(): Promise<void>;
}

export type MountOutcome =
  { mounted: true; tmpfs: Tmpfs } | { mounted: false; reason: string };

export async function mountTmpfs(sizeBytes: number): Promise<MountOutcome> {
  const path = await mkdtemp(join(tmpdir(), 'marianne-tmpfs-'));
  try {
    await run('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=${sizeBytes}`,
      'tmpfs',
      path,
    ]);
  } catch (err) {
    await rm(path, { recursive: true, force: true });
    const reason = (err as { stderr?: string }).stderr?.trim() || String(err);
    return { mounted: false, reason };
  }

  return {
    mounted: true,
    tmpfs: {
      path,
      async remount(mode) {
        await run('mount', ['-o', `remount,${mode}`, path]);
      },
      async dispose() {
        await run('umount', ['-l', path]);
        await rm(path, { recursive: true, force: true });
      },
    },
  };
}

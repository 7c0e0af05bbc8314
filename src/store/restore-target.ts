/**
 * The target side of a restore: the folder prepared, each folder on the
 * way checked to be a real one, each file slot checked to hold no link,
 * and what a failed restore created taken back.
 */
import {
  lstat,
  mkdir,
  readdir,
  realpath,
  rmdir,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotError } from '../../protocol/index.js';
import { DIR_MODE } from './layout.js';
import { errnoOf, isMissing } from './store-errors.js';

// The real target folder: created 0700 when missing, else empty or allowed.
export async function prepareTarget(
  target: string,
  overwrite: boolean,
  created: string[],
): Promise<string> {
  try {
    await mkdir(target, { mode: DIR_MODE });
    created.push(target);
  } catch (err) {
    if (isMissing(err)) {
      await mkdir(target, { recursive: true, mode: DIR_MODE });
      created.push(target);
    } else if (errnoOf(err) !== 'EEXIST') {
      throw err;
    }
  }

  const root = await realpath(target).catch(() => {
    throw targetError(target, 'cannot be resolved (a dangling link?)');
  });
  if (!(await lstat(root)).isDirectory()) {
    throw targetError(target, 'is not a folder');
  }
  if (!overwrite && (await readdir(root)).length > 0) {
    throw new SnapshotError(
      'TARGET_NOT_EMPTY',
      `${target} is not empty; restore into an empty folder or overwrite`,
      { target },
    );
  }
  return root;
}

// Each folder on the way, created 0700 or checked to be a real folder.
export async function makeFolders(
  root: string,
  parts: string[],
  created: string[],
): Promise<string> {
  let path = root;

  for (const part of parts) {
    path = join(path, part);
    try {
      await mkdir(path, { mode: DIR_MODE });
      created.push(path);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
      if (!(await lstat(path)).isDirectory()) {
        throw targetError(path, 'is a link or a file where a folder goes');
      }
    }
  }
  return path;
}

// Whether a regular file is already there; a link or anything else is
// refused (the rename would replace a link, but a planted one is a sign).
export async function checkFileSlot(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => null);
  if (stats?.isSymbolicLink()) {
    throw targetError(path, 'is a symbolic link; refusing to write through it');
  }
  if (stats && !stats.isFile()) {
    throw targetError(path, 'is not a regular file');
  }
  return stats !== null;
}

export function targetError(path: string, what: string): SnapshotError {
  return new SnapshotError('INVALID_PARAMS', `${path} ${what}`, {
    field: 'target',
    path,
  });
}

// After a failure: what this restore created goes, newest first.
export async function undoCreated(created: string[]): Promise<void> {
  for (const path of [...created].reverse()) {
    await unlink(path).catch(() => rmdir(path).catch(() => undefined));
  }
}

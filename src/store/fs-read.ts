/**
 * Reading the filesystem store without ever following a link, and
 * describing a snapshot folder that has no manifest (the original layout).
 */
import type { Dirent } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GitContext, ObserverSummary } from '../../protocol/index.js';
import type { OriginalSnapshot, StoredFile } from './backend.js';
import { READ_NOFOLLOW } from './fs-io.js';
import { GIT_CONTEXT_FILE, OBSERVER_SUMMARY_FILE } from './layout.js';
import { errnoOf, isMissing } from './store-errors.js';

// Reads a small file without following a link; null when it is absent.
export async function readTextNoFollow(path: string): Promise<string | null> {
  try {
    const handle = await open(path, READ_NOFOLLOW);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (isMissing(err) || errnoOf(err) === 'ELOOP') return null;
    throw err;
  }
}

export async function readDirents(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

export async function isRealDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

// Splits an artifact name into safe path parts, or null if it climbs out.
export function splitName(name: string): string[] | null {
  const parts = name.split('/');
  const unsafe = parts.some((p) => p === '' || p === '.' || p === '..');
  return unsafe ? null : parts;
}

/**
 * A folder without manifest: its top-level files are the artifacts, except
 * the git context and observer summary the original wrote beside them
 * (when they parse as such; otherwise they were captured files).
 */
export async function describeOriginalFolder(
  dir: string,
): Promise<OriginalSnapshot> {
  const result: OriginalSnapshot = { files: [], git: null, observer: null };

  for (const entry of await readDirents(dir)) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);

    if (entry.name === GIT_CONTEXT_FILE && !result.git) {
      result.git = parseJson(await readTextNoFollow(path), GitContext);
      if (result.git) continue;
    }
    if (entry.name === OBSERVER_SUMMARY_FILE && !result.observer) {
      const text = await readTextNoFollow(path);
      result.observer = parseJson(text, ObserverSummary);
      if (result.observer) continue;
    }
    const size = await lstat(path).then(
      (s) => s.size,
      () => null,
    );
    if (size !== null) result.files.push({ name: entry.name, bytes: size });
  }
  result.files.sort((a, b) => (a.name < b.name ? -1 : 1));
  return result;
}

// Every regular file below `dir`, by `/`-separated name, links not followed.
export async function walkFiles(
  dir: string,
  prefix: string,
  out: StoredFile[],
): Promise<void> {
  for (const entry of await readDirents(dir)) {
    const name = prefix + entry.name;
    const path = join(dir, entry.name);

    if (entry.isDirectory()) {
      await walkFiles(path, `${name}/`, out);
    } else if (entry.isFile()) {
      const size = await lstat(path).then(
        (s) => s.size,
        () => null,
      );
      if (size !== null) out.push({ name, bytes: size });
    }
  }
}

export function parseJson<T>(
  text: string | null,
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data ?? null) : null;
  } catch {
    return null;
  }
}

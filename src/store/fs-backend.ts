/**
 * The store on a local filesystem: `<root>/<job_id>/<id>/`, built in
 * `<root>/.staging/` and moved into place with one rename, removed by one
 * rename into `<root>/.trash/`. Nothing here follows a symbolic link: a
 * link planted where a job or snapshot folder should be is not one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Dirent } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GitContext, ObserverSummary } from '../../protocol/index.js';
import type {
  OriginalSnapshot,
  PurgeResult,
  SnapshotWriter,
  StoreBackend,
  StoredFile,
} from './backend.js';
import {
  READ_NOFOLLOW,
  makePrivateDir,
  removeTree,
  syncDir,
  writeDurableFile,
} from './fs-io.js';
import { removeAbandonedStaging, stagingNameFor } from './fs-staging.js';
import { FsSnapshotWriter } from './fs-writer.js';
import {
  DIR_MODE,
  GIT_CONTEXT_FILE,
  MANIFEST_FILE,
  META_DIR,
  OBSERVER_SUMMARY_FILE,
  STAGING_DIR,
  TRASH_DIR,
  isJobId,
  isSnapshotFolderName,
} from './layout.js';
import type { Manifest } from './manifest.js';
import { parseManifest } from './manifest.js';
import {
  errnoOf,
  isMissing,
  notFoundError,
  toStoreError,
} from './store-errors.js';

const DEFAULT_PURGE_BATCH = 100;

// Reads a small file without following a link; null when it is absent.
async function readTextNoFollow(path: string): Promise<string | null> {
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

async function readDirents(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

async function isRealDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

// Splits an artifact name into safe path parts, or null if it climbs out.
function splitName(name: string): string[] | null {
  const parts = name.split('/');
  const unsafe = parts.some((p) => p === '' || p === '.' || p === '..');
  return unsafe ? null : parts;
}

export class FsBackend implements StoreBackend {
  readonly location: string;

  constructor(root: string) {
    this.location = root;
  }

  async open(): Promise<void> {
    try {
      await mkdir(this.location, { recursive: true, mode: DIR_MODE });
    } catch (err) {
      // A read-only store that exists can still be listed and read.
      const exists = await stat(this.location).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!exists) throw toStoreError(err, 'create', this.location);
    }
  }

  async recover(): Promise<number> {
    const removed = await removeAbandonedStaging(
      join(this.location, STAGING_DIR),
    );
    return removed.length;
  }

  snapshotLocation(jobId: string, id: string): string {
    return join(this.location, jobId, id);
  }

  async listJobs(): Promise<string[]> {
    const entries = await readDirents(this.location);
    return entries
      .filter((e) => e.isDirectory() && isJobId(e.name))
      .map((e) => e.name);
  }

  async listSnapshotIds(jobId: string): Promise<string[]> {
    const jobDir = join(this.location, jobId);

    if (!(await isRealDir(jobDir))) return [];
    const entries = await readDirents(jobDir);
    return entries
      .filter((e) => e.isDirectory() && isSnapshotFolderName(e.name))
      .map((e) => e.name);
  }

  async readManifest(jobId: string, id: string): Promise<Manifest | null> {
    const dir = await this.#snapshotDir(jobId, id);
    const text = await readTextNoFollow(join(dir, META_DIR, MANIFEST_FILE));
    return text === null ? null : parseManifest(text);
  }

  async readOriginal(jobId: string, id: string): Promise<OriginalSnapshot> {
    const dir = await this.#snapshotDir(jobId, id);
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

  async beginSnapshot(jobId: string, id: string): Promise<SnapshotWriter> {
    return FsSnapshotWriter.create({
      stagingRoot: join(this.location, STAGING_DIR),
      stagingName: stagingNameFor(id),
      jobDir: join(this.location, jobId),
      finalDir: join(this.location, jobId, id),
    });
  }

  async listFiles(jobId: string, id: string): Promise<StoredFile[]> {
    const dir = await this.#snapshotDir(jobId, id);
    const files: StoredFile[] = [];

    await walkFiles(dir, '', files);
    return files.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async openArtifact(
    jobId: string,
    id: string,
    name: string,
  ): Promise<Readable> {
    const path = await this.#pathInside(jobId, id, name);
    const handle = await open(path, READ_NOFOLLOW).catch((err: unknown) => {
      if (isMissing(err) || errnoOf(err) === 'ELOOP') {
        throw notFoundError(jobId, `${id}/${name}`);
      }
      throw err;
    });

    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw notFoundError(jobId, `${id}/${name}`);
    }
    return createReadStream('', { fd: handle, highWaterMark: 1 << 20 });
  }

  async readMarker(
    jobId: string,
    id: string,
    name: string,
  ): Promise<string | null> {
    const dir = await this.#snapshotDir(jobId, id);
    return readTextNoFollow(join(dir, META_DIR, name));
  }

  async writeMarker(
    jobId: string,
    id: string,
    name: string,
    text: string,
  ): Promise<void> {
    const dir = await this.#snapshotDir(jobId, id);
    const metaDir = join(dir, META_DIR);

    try {
      // The original layout has no folder of the manager's own yet.
      await makePrivateDir(metaDir);
      await writeDurableFile(join(metaDir, name), text, { replace: true });
      await syncDir(metaDir);
    } catch (err) {
      throw toStoreError(err, 'write', join(metaDir, name));
    }
  }

  async removeMarker(
    jobId: string,
    id: string,
    name: string,
  ): Promise<boolean> {
    const dir = await this.#snapshotDir(jobId, id);
    const path = join(dir, META_DIR, name);

    try {
      await unlink(path);
      await syncDir(join(dir, META_DIR));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw toStoreError(err, 'remove', path);
    }
  }

  async moveToTrash(jobId: string, id: string): Promise<void> {
    const dir = await this.#snapshotDir(jobId, id);
    const trash = join(this.location, TRASH_DIR);
    const suffix = randomBytes(4).toString('hex');
    const target = join(trash, `${jobId}~${id}~${suffix}`);

    try {
      await makePrivateDir(trash);
      await rename(dir, target);
      await syncDir(join(this.location, jobId));
    } catch (err) {
      if (isMissing(err)) throw notFoundError(jobId, id);
      throw toStoreError(err, 'move to trash', dir);
    }

    // As the original, an emptied job folder goes; a capture racing this
    // recreates it (see the writer's rename).
    await rmdir(join(this.location, jobId)).catch(() => undefined);
  }

  async removeJobIfEmpty(jobId: string): Promise<boolean> {
    const jobDir = join(this.location, jobId);

    try {
      // rmdir removes only an empty folder, and never follows a link.
      await rmdir(jobDir);
      return true;
    } catch (err) {
      const code = errnoOf(err);
      if (isMissing(err) || code === 'ENOTEMPTY' || code === 'EEXIST') {
        return false;
      }
      throw toStoreError(err, 'remove', jobDir);
    }
  }

  async listLinks(): Promise<string[]> {
    const links: string[] = [];

    for (const entry of await readDirents(this.location)) {
      if (!isJobId(entry.name)) continue;
      const jobDir = join(this.location, entry.name);
      if (entry.isSymbolicLink()) links.push(jobDir);
      if (!entry.isDirectory()) continue;
      for (const inner of await readDirents(jobDir)) {
        if (inner.isSymbolicLink() && isSnapshotFolderName(inner.name)) {
          links.push(join(jobDir, inner.name));
        }
      }
    }
    return links;
  }

  async purgeTrash(options: { batchSize?: number } = {}): Promise<PurgeResult> {
    const trash = join(this.location, TRASH_DIR);
    const names = (await readDirents(trash)).map((e) => e.name);
    const batch = names.slice(0, options.batchSize ?? DEFAULT_PURGE_BATCH);

    for (const name of batch) {
      try {
        await removeTree(join(trash, name));
      } catch (err) {
        throw toStoreError(err, 'remove', join(trash, name));
      }
    }
    return { removed: batch.length, remaining: names.length - batch.length };
  }

  // The folder of a complete snapshot, checked to be no link.
  async #snapshotDir(jobId: string, id: string): Promise<string> {
    const jobDir = join(this.location, jobId);
    const dir = join(jobDir, id);

    if (!isSnapshotFolderName(id)) throw notFoundError(jobId, id);
    if (!(await isRealDir(jobDir)) || !(await isRealDir(dir))) {
      throw notFoundError(jobId, id);
    }
    return dir;
  }

  // A file path inside a snapshot whose every folder is a real one.
  async #pathInside(jobId: string, id: string, name: string): Promise<string> {
    const parts = splitName(name);
    let path = await this.#snapshotDir(jobId, id);

    if (!parts) throw notFoundError(jobId, `${id}/${name}`);
    for (const part of parts.slice(0, -1)) {
      path = join(path, part);
      if (!(await isRealDir(path))) throw notFoundError(jobId, `${id}/${name}`);
    }
    return join(path, parts[parts.length - 1]!);
  }
}

// Every regular file below `dir`, by `/`-separated name, links not followed.
async function walkFiles(
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

function parseJson<T>(
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

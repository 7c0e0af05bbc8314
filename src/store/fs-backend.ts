/**
 * The store on a local filesystem: `<root>/<job_id>/<id>/`, built in
 * `<root>/.staging/` and moved into place with one rename, removed by one
 * rename into `<root>/.trash/`. Nothing here follows a symbolic link: a
 * link planted where a job or snapshot folder should be is not one.
 */
import { mkdir, open, rmdir, stat, unlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  MoveOutcome,
  OriginalSnapshot,
  ProbedSnapshot,
  PurgeResult,
  StoreScan,
  SnapshotWriter,
  StoreBackend,
  StoredFile,
} from './backend.js';
import {
  READ_NOFOLLOW,
  makePrivateDir,
  syncDir,
  writeDurableFile,
} from './fs-io.js';
import {
  describeOriginalFolder,
  isRealDir,
  readDirents,
  readTextNoFollow,
  splitName,
  walkFiles,
} from './fs-read.js';
import { removeAbandonedStaging, stagingNameFor } from './fs-staging.js';
import { probeListedSnapshots, scanStore } from './fs-scan.js';
import {
  moveFolderToTrash,
  moveListedToTrash,
  purgeTrashBatch,
} from './fs-trash.js';
import { FsSnapshotWriter } from './fs-writer.js';
import {
  DIR_MODE,
  MANIFEST_FILE,
  META_DIR,
  STAGING_DIR,
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
    return describeOriginalFolder(await this.#snapshotDir(jobId, id));
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

  async moveToTrash(
    jobId: string,
    id: string,
    options: { durable?: boolean } = {},
  ): Promise<void> {
    const dir = await this.#snapshotDir(jobId, id);
    const durable = options.durable ?? true;
    await moveFolderToTrash(this.location, { jobId, id, dir, durable });
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

  scan(options: { jobId?: string } = {}): Promise<StoreScan> {
    return scanStore(this.location, options);
  }

  probe(
    refs: readonly { jobId: string; id: string; manifest: boolean }[],
    marker: string,
  ): Promise<(ProbedSnapshot | Error)[]> {
    return probeListedSnapshots(this.location, refs, marker);
  }

  moveListedToTrash(
    refs: readonly { jobId: string; id: string }[],
  ): Promise<MoveOutcome[]> {
    return moveListedToTrash(this.location, refs);
  }

  async purgeTrash(options: { batchSize?: number } = {}): Promise<PurgeResult> {
    return purgeTrashBatch(this.location, options.batchSize);
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

/**
 * Builds one snapshot in its staging folder and moves it into place with
 * one rename, so a reader sees all of it or nothing.
 */
import { createHash } from 'node:crypto';
import { lstat, rename, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SnapshotError } from '../../protocol/index.js';
import type {
  SnapshotWriter,
  WriteArtifactOptions,
  WrittenArtifact,
} from './backend.js';
import {
  closeQuietly,
  fchmodFd,
  fstatFd,
  futimesFd,
  openFd,
  writeAllFd,
} from './fd.js';
import {
  makePrivateDir,
  removeTree,
  syncDir,
  syncFiles,
  writeDurableFile,
} from './fs-io.js';
import { markStagingDone, markStagingLive } from './fs-staging.js';
import { FILE_MODE, MANIFEST_FILE, META_DIR } from './layout.js';
import type { Manifest } from './manifest.js';
import { serializeManifest } from './manifest.js';
import {
  cancelledError,
  errnoOf,
  isMissing,
  toStoreError,
} from './store-errors.js';

/** Attempts at the final rename when cleanup races us for the job folder. */
const RENAME_ATTEMPTS = 3;

export interface FsWriterPaths {
  stagingRoot: string;
  stagingName: string;
  jobDir: string;
  finalDir: string;
}

/**
 * Refuses a job folder that is a link or a file planted in the store.
 * With `create`, a missing one is made (0700); without, missing is fine:
 * the folder is only made when a snapshot is ready to move in, so a
 * failed capture leaves not even an empty job folder.
 */
export async function ensureJobDir(
  jobDir: string,
  options: { create: boolean },
): Promise<void> {
  try {
    const stat = await lstat(jobDir);
    if (stat.isDirectory()) return;
  } catch (err) {
    if (!isMissing(err)) throw toStoreError(err, 'inspect', jobDir);
    if (!options.create) return;
    try {
      await makePrivateDir(jobDir);
    } catch (mkdirErr) {
      throw toStoreError(mkdirErr, 'create', jobDir);
    }
    return ensureJobDir(jobDir, options);
  }
  throw new SnapshotError(
    'STORE_UNAVAILABLE',
    `refusing to write into ${jobDir}: it is not a folder (a symbolic ` +
      'link or a file); move it out of the store, then retry',
    { path: jobDir },
  );
}

export class FsSnapshotWriter implements SnapshotWriter {
  readonly #paths: FsWriterPaths;
  readonly #stagingDir: string;
  readonly #createdDirs = new Set<string>();
  /** Artifacts written but not yet flushed: all are synced at commit. */
  readonly #unsynced: string[] = [];
  #finished = false;
  #umaskKeepsMode = false;

  private constructor(paths: FsWriterPaths) {
    this.#paths = paths;
    this.#stagingDir = join(paths.stagingRoot, paths.stagingName);
  }

  static async create(paths: FsWriterPaths): Promise<FsSnapshotWriter> {
    const writer = new FsSnapshotWriter(paths);

    await ensureJobDir(paths.jobDir, { create: false });
    markStagingLive(paths.stagingName);
    try {
      await makePrivateDir(paths.stagingRoot);
      await makePrivateDir(writer.#stagingDir);
      await makePrivateDir(join(writer.#stagingDir, META_DIR));
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw toStoreError(err, 'create', writer.#stagingDir);
    }
    writer.#createdDirs.add(writer.#stagingDir);
    writer.#createdDirs.add(join(writer.#stagingDir, META_DIR));
    return writer;
  }

  async writeArtifact(
    name: string,
    source: AsyncIterable<Uint8Array>,
    options: WriteArtifactOptions = {},
  ): Promise<WrittenArtifact> {
    const target = await this.#prepare(name);
    const hash = createHash('sha256');
    let bytes = 0;
    let fd: number;

    try {
      fd = await openFd(target, 'wx', FILE_MODE);
    } catch (err) {
      throw toStoreError(err, 'write', target);
    }
    try {
      // An error thrown by the source itself propagates unchanged.
      for await (const chunk of source) {
        if (options.signal?.aborted) throw cancelledError();
        hash.update(chunk);
        bytes += chunk.length;
        await writeAllFd(fd, chunk).catch((err: unknown) => {
          throw toStoreError(err, 'write', target);
        });
      }
      await this.#finishFile(fd, target, options.mtimeMs);
    } catch (err) {
      // A source that failed half way leaves no half artifact behind.
      await closeQuietly(fd);
      await unlink(target).catch(() => undefined);
      throw err;
    }
    await closeQuietly(fd);
    return { bytes, sha256: hash.digest('hex') };
  }

  async writeText(name: string, text: string): Promise<void> {
    const target = await this.#prepare(join(META_DIR, name));

    try {
      await writeDurableFile(target, text);
    } catch (err) {
      throw toStoreError(err, 'write', target);
    }
  }

  async commit(manifest: Manifest): Promise<void> {
    const manifestPath = join(this.#stagingDir, META_DIR, MANIFEST_FILE);

    try {
      // Flushing all artifacts together, just before the manifest, lets
      // the filesystem commit them in a few journal transactions instead
      // of one per file; the manifest still lands only after all of them.
      await syncFiles(this.#unsynced);
      await writeDurableFile(manifestPath, serializeManifest(manifest));
      for (const dir of this.#createdDirs) await syncDir(dir);
      await this.#renameIntoPlace();
      await syncDir(this.#paths.jobDir);
    } catch (err) {
      await this.abort();
      throw toStoreError(err, 'commit', this.#paths.finalDir);
    }
    this.#finished = true;
    markStagingDone(this.#paths.stagingName);
  }

  async abort(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await removeTree(this.#stagingDir);
    markStagingDone(this.#paths.stagingName);
  }

  // Checks a name stays inside the snapshot and creates its folders.
  async #prepare(name: string): Promise<string> {
    const parts = name.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new SnapshotError(
        'INTERNAL_ERROR',
        `artifact name ${JSON.stringify(name)} is not a plain relative path`,
      );
    }

    let dir = this.#stagingDir;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      if (this.#createdDirs.has(dir)) continue;
      try {
        await makePrivateDir(dir);
      } catch (err) {
        throw toStoreError(err, 'create', dir);
      }
      this.#createdDirs.add(dir);
    }
    return join(this.#stagingDir, parts.join(sep));
  }

  async #finishFile(
    fd: number,
    target: string,
    mtimeMs: number | undefined,
  ): Promise<void> {
    try {
      if (await this.#needsChmod(fd)) await fchmodFd(fd, FILE_MODE);
      if (mtimeMs !== undefined) await futimesFd(fd, new Date(mtimeMs));
    } catch (err) {
      throw toStoreError(err, 'write', target);
    }
    this.#unsynced.push(target);
  }

  // The umask can only narrow 0600; once a new file shows it did not,
  // later files of this snapshot skip the extra chmod.
  async #needsChmod(fd: number): Promise<boolean> {
    if (this.#umaskKeepsMode) return false;
    const mode = (await fstatFd(fd)).mode & 0o777;
    this.#umaskKeepsMode = mode === FILE_MODE;
    return !this.#umaskKeepsMode;
  }

  // A concurrent cleanup may remove the emptied job folder between our
  // check and the rename (ENOENT): make it again and retry. Known limit:
  // Node has no renameat(), so a link swapped in for the job folder in
  // the instant between the check and the rename would be followed; only
  // the store's owner can write there (0700), so only they could do it.
  async #renameIntoPlace(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await ensureJobDir(this.#paths.jobDir, { create: true });
      try {
        await rename(this.#stagingDir, this.#paths.finalDir);
        return;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT' || attempt >= RENAME_ATTEMPTS) {
          throw err;
        }
      }
    }
  }
}

/**
 * Builds one snapshot in its staging folder and moves it into place with
 * one rename, so a reader sees all of it or nothing.
 */
import { createHash } from 'node:crypto';
import { chmod, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
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
import { checkJobDir, inspectJobDir, plantedJobError } from './fs-job-dir.js';
import { markStagingDone, markStagingLive } from './fs-staging.js';
import { FILE_MODE, MANIFEST_FILE, META_DIR } from './layout.js';
import type { Manifest } from './manifest.js';
import { serializeManifest } from './manifest.js';
import { cancelledError, errnoOf, toStoreError } from './store-errors.js';

/** Attempts at moving into place while others add or remove the job. */
const MOVE_ATTEMPTS = 10;

export interface FsWriterPaths {
  stagingRoot: string;
  stagingName: string;
  jobDir: string;
  finalDir: string;
}

export class FsSnapshotWriter implements SnapshotWriter {
  readonly #paths: FsWriterPaths;
  /** Shaped like a job folder: holds the snapshot, `<id>/`, only. */
  readonly #stagingDir: string;
  readonly #snapshotDir: string;
  readonly #createdDirs = new Set<string>();
  /** Artifacts written but not yet flushed: all are synced at commit. */
  readonly #unsynced: string[] = [];
  #finished = false;
  #umaskKeepsMode = false;

  private constructor(paths: FsWriterPaths) {
    this.#paths = paths;
    this.#stagingDir = join(paths.stagingRoot, paths.stagingName);
    this.#snapshotDir = join(this.#stagingDir, basename(paths.finalDir));
  }

  static async create(paths: FsWriterPaths): Promise<FsSnapshotWriter> {
    const writer = new FsSnapshotWriter(paths);

    await checkJobDir(paths.jobDir);
    markStagingLive(paths.stagingName);
    try {
      await makePrivateDir(paths.stagingRoot);
      await makePrivateDir(writer.#stagingDir);
      await makePrivateDir(writer.#snapshotDir);
      await makePrivateDir(join(writer.#snapshotDir, META_DIR));
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw toStoreError(err, 'create', writer.#stagingDir);
    }
    writer.#createdDirs.add(writer.#stagingDir);
    writer.#createdDirs.add(writer.#snapshotDir);
    writer.#createdDirs.add(join(writer.#snapshotDir, META_DIR));
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
      // Flushed at commit with the artifacts, not one fsync on its own.
      await writeFile(target, text, { flag: 'wx', mode: FILE_MODE });
      await chmod(target, FILE_MODE);
    } catch (err) {
      throw toStoreError(err, 'write', target);
    }
    this.#unsynced.push(target);
  }

  async commit(manifest: Manifest): Promise<void> {
    const manifestPath = join(this.#snapshotDir, META_DIR, MANIFEST_FILE);

    try {
      // Flushing all artifacts together, just before the manifest, lets
      // the filesystem commit them in a few journal transactions instead
      // of one per file; the manifest still lands only after all of them.
      await syncFiles(this.#unsynced);
      await writeDurableFile(manifestPath, serializeManifest(manifest));
      await Promise.all([...this.#createdDirs].map((dir) => syncDir(dir)));
      await this.#moveIntoPlace();
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

    let dir = this.#snapshotDir;
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
    return join(this.#snapshotDir, parts.join(sep));
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

  /**
   * One rename makes the snapshot visible. When the job has no folder,
   * the staging folder itself (holding only `<id>/`) becomes it, so the
   * job folder never exists empty for a cleanup to remove under us; when
   * it has one, `<id>/` moves into it. A cleanup removing the emptied
   * job folder, or another capture creating it, between our look and our
   * rename only sends us round again. Known limit: Node has no
   * renameat(), so a link swapped in for the job folder in that instant
   * would be followed; only the store's owner can write there (0700).
   */
  async #moveIntoPlace(): Promise<void> {
    const { jobDir, finalDir } = this.#paths;

    for (let attempt = 1; ; attempt++) {
      const kind = await inspectJobDir(jobDir);
      const retry = (err: unknown, codes: string[]) => {
        const code = errnoOf(err) ?? '';
        if (!codes.includes(code) || attempt >= MOVE_ATTEMPTS) throw err;
      };

      if (kind === 'planted') throw plantedJobError(jobDir);
      if (kind === 'missing') {
        try {
          await rename(this.#stagingDir, jobDir);
          await syncDir(dirname(jobDir));
          return;
        } catch (err) {
          retry(err, ['EEXIST', 'ENOTEMPTY']);
          continue;
        }
      }
      try {
        await rename(this.#snapshotDir, finalDir);
        await syncDir(jobDir);
        await rmdir(this.#stagingDir).catch(() => undefined);
        return;
      } catch (err) {
        retry(err, ['ENOENT']);
      }
    }
  }
}

/**
 * What is in the store, read cheaply. A snapshot's time comes from its id
 * (a ULID carries its milliseconds, an original-layout id is unix
 * seconds), so ordering a job never opens a file; only the snapshots a
 * caller asks about have their manifest read. A snapshot never changes
 * once committed, so its size is cached for the life of the process.
 */
import { createHash } from 'node:crypto';
import {
  SnapshotError,
  type JobSummary,
  type Snapshot,
  type SnapshotDetail,
} from '../../protocol/index.js';
import type { StoreBackend } from './backend.js';
import {
  PIN_MARKER,
  compareCaptureOrder,
  createdAtMsOf,
  timestampOf,
} from './layout.js';
import type { SnapshotSize } from './manifest.js';
import { sizeOfManifest } from './manifest.js';
import { mapLimit } from './store-context.js';

/** A snapshot as its id describes it. */
export interface SnapshotEntry {
  jobId: string;
  id: string;
  createdAtMs: number;
}

/** A snapshot with what retention weighs. */
export interface StoredSnapshot extends SnapshotEntry, SnapshotSize {
  pinned: boolean;
}

/** Snapshots whose manifest could not be read, described at once. */
const FALLBACK_READ_PARALLEL = 16;

/** Past this many cached sizes the cache starts over (memory bound). */
const MAX_CACHED_SIZES = 200_000;

function cacheKey(jobId: string, id: string): string {
  return `${jobId}/${id}`;
}

export class Catalog {
  readonly #backend: StoreBackend;
  readonly #sizes = new Map<string, SnapshotSize>();

  constructor(backend: StoreBackend) {
    this.#backend = backend;
  }

  /** A job's snapshots, oldest first (capture order). */
  async entries(jobId: string): Promise<SnapshotEntry[]> {
    const ids = await this.#backend.listSnapshotIds(jobId);
    const entries = ids.map((id) => ({
      jobId,
      id,
      createdAtMs: createdAtMsOf(id),
    }));
    return entries.sort(compareCaptureOrder);
  }

  async sizeOf(entry: SnapshotEntry): Promise<SnapshotSize> {
    const key = cacheKey(entry.jobId, entry.id);
    const cached = this.#sizes.get(key);
    if (cached) return cached;

    const manifest = await this.#backend.readManifest(entry.jobId, entry.id);
    const size = manifest
      ? sizeOfManifest(manifest)
      : sizeOfFiles(
          (await this.#backend.readOriginal(entry.jobId, entry.id)).files,
        );
    this.remember(entry, size);
    return size;
  }

  /**
   * Size and pin of snapshots a scan just listed, in the fewest calls:
   * a manifest is read only when its size is not cached yet. An entry
   * that could not be read is an Error in its place.
   */
  async weighAll(
    entries: readonly SnapshotEntry[],
  ): Promise<(StoredSnapshot | Error)[]> {
    const cached = entries.map((e) => this.#sizes.get(cacheKey(e.jobId, e.id)));
    const refs = entries.map((e, i) => ({ ...e, manifest: !cached[i] }));
    const probed = await this.#backend.probe(refs, PIN_MARKER);

    const results: (StoredSnapshot | Error)[] = [];
    const unsized: { i: number; hasMarker: boolean }[] = [];
    entries.forEach((entry, i) => {
      const found = probed[i]!;
      const size = found instanceof Error ? null : (cached[i] ?? found.size);
      if (found instanceof Error) results[i] = found;
      else if (size === null) unsized.push({ i, hasMarker: found.hasMarker });
      else {
        if (!cached[i]) this.remember(entry, size);
        results[i] = { ...entry, ...size, pinned: found.hasMarker };
      }
    });

    // A manifest that could not be read: the full read, a few at a time.
    await mapLimit(
      unsized,
      FALLBACK_READ_PARALLEL,
      async ({ i, hasMarker }) => {
        const entry = entries[i]!;
        try {
          const size = await this.sizeOf(entry);
          results[i] = { ...entry, ...size, pinned: hasMarker };
        } catch (err) {
          results[i] = err instanceof Error ? err : new Error(String(err));
        }
      },
    );
    return results;
  }

  /** Records the size of a snapshot just committed. */
  remember(entry: SnapshotEntry, size: SnapshotSize): void {
    if (this.#sizes.size >= MAX_CACHED_SIZES) this.#sizes.clear();
    this.#sizes.set(cacheKey(entry.jobId, entry.id), size);
  }

  /** Forgets a snapshot that was removed. */
  forget(jobId: string, id: string): void {
    this.#sizes.delete(cacheKey(jobId, id));
  }

  /**
   * A listed snapshot's size, or undefined when a removal took it between
   * the folder read and this one: a listing never fails for that.
   */
  async sizeIfPresent(entry: SnapshotEntry): Promise<SnapshotSize | undefined> {
    try {
      return await this.sizeOf(entry);
    } catch (err) {
      if (err instanceof SnapshotError && err.code === 'SNAPSHOT_NOT_FOUND') {
        return undefined;
      }
      throw err;
    }
  }

  async describe(entry: SnapshotEntry): Promise<Snapshot> {
    return this.#toSnapshot(entry, await this.sizeOf(entry));
  }

  #toSnapshot(entry: SnapshotEntry, size: SnapshotSize): Snapshot {
    return {
      job_id: entry.jobId,
      id: entry.id,
      timestamp: timestampOf(entry.createdAtMs),
      created_at: new Date(entry.createdAtMs).toISOString(),
      path: this.#backend.snapshotLocation(entry.jobId, entry.id),
      files: size.files,
      bytes: size.bytes,
    };
  }

  /** Newest first; only the returned page has its manifests read. */
  async list(jobId: string, limit?: number): Promise<Snapshot[]> {
    const entries = (await this.entries(jobId)).reverse();
    const page = limit === undefined ? entries : entries.slice(0, limit);
    const described = await Promise.all(
      page.map(async (entry) => {
        const size = await this.sizeIfPresent(entry);
        return size && this.#toSnapshot(entry, size);
      }),
    );
    return described.filter((snapshot) => snapshot !== undefined);
  }

  async jobs(): Promise<JobSummary[]> {
    const jobIds = (await this.#backend.listJobs()).sort();
    const summaries: JobSummary[] = [];

    for (const jobId of jobIds) {
      const present: SnapshotEntry[] = [];
      let bytes = 0;
      for (const entry of await this.entries(jobId)) {
        const size = await this.sizeIfPresent(entry);
        if (!size) continue;
        present.push(entry);
        bytes += size.bytes;
      }
      const newest = present.at(-1);
      if (!newest) continue;

      summaries.push({
        job_id: jobId,
        snapshots: present.length,
        bytes,
        newest: new Date(newest.createdAtMs).toISOString(),
      });
    }
    return summaries;
  }

  /** Every snapshot (of one job, or all), oldest first within a job. */
  async enumerate(options: { jobId?: string } = {}): Promise<StoredSnapshot[]> {
    const jobIds = options.jobId
      ? [options.jobId]
      : (await this.#backend.listJobs()).sort();
    const all: StoredSnapshot[] = [];

    for (const jobId of jobIds) {
      for (const entry of await this.entries(jobId)) {
        const size = await this.sizeIfPresent(entry);
        if (!size) continue;
        const pin = await this.#backend.readMarker(jobId, entry.id, PIN_MARKER);
        all.push({ ...entry, ...size, pinned: pin !== null });
      }
    }
    return all;
  }

  async detail(jobId: string, id: string): Promise<SnapshotDetail> {
    const entry = { jobId, id, createdAtMs: createdAtMsOf(id) };
    const manifest = await this.#backend.readManifest(jobId, id);
    const pinned =
      (await this.#backend.readMarker(jobId, id, PIN_MARKER)) !== null;
    const base = await this.describe(entry);

    if (manifest) {
      return {
        ...base,
        workspace: manifest.workspace,
        artifacts: manifest.artifacts.map(({ name, bytes, sha256 }) => ({
          name,
          bytes,
          sha256,
        })),
        failed: manifest.failed,
        git: manifest.git,
        observer: manifest.observer,
        pinned,
      };
    }

    // The original layout kept no hashes: they are computed on demand.
    const original = await this.#backend.readOriginal(jobId, id);
    const artifacts = [];
    for (const file of original.files) {
      const sha256 = await this.#hashArtifact(jobId, id, file.name);
      artifacts.push({ ...file, sha256 });
    }
    return {
      ...base,
      workspace: null,
      artifacts,
      failed: [],
      git: original.git,
      observer: original.observer,
      pinned,
    };
  }

  async #hashArtifact(jobId: string, id: string, name: string) {
    const hash = createHash('sha256');
    for await (const chunk of await this.#backend.openArtifact(
      jobId,
      id,
      name,
    )) {
      hash.update(chunk as Buffer);
    }
    return hash.digest('hex');
  }
}

function sizeOfFiles(files: { bytes: number }[]): SnapshotSize {
  let bytes = 0;

  for (const file of files) bytes += file.bytes;
  return { files: files.length, bytes };
}

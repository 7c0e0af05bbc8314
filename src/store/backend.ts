/**
 * The one seam through which the store reaches its storage. The filesystem
 * backend (fs-backend.ts) is the only one today; an object-store backend
 * (S3-compatible, shared by several daemons) must be able to stand beside
 * it, so nothing here speaks of folders, renames or file descriptors.
 *
 * What each method guarantees:
 * - `open` prepares the store; idempotent. `recover` removes leftovers of
 *   captures whose owner is gone, never those of a live one.
 * - `listJobs` and `listSnapshotIds` return only complete snapshots (a
 *   snapshot being built is invisible) and never follow a link planted in
 *   the store. Order is unspecified: callers sort by capture order.
 * - `readManifest` returns the manifest, or null when the snapshot has
 *   none (the original layout, or an unreadable manifest); it throws
 *   SNAPSHOT_NOT_FOUND when the snapshot does not exist.
 * - `readOriginal` describes a snapshot without a manifest from its
 *   top-level files, git-context.json and observer-summary.json.
 * - `beginSnapshot` returns a writer whose artifacts stay invisible until
 *   `commit(manifest)` makes the whole snapshot visible at once; `abort`
 *   leaves nothing behind. Store write failures are STORE_UNAVAILABLE.
 * - `listFiles` and `openArtifact` read a complete snapshot's files by
 *   their name inside it (`/`-separated), never through a link.
 * - Markers (e.g. the pin) are small files inside the snapshot's own
 *   folder; they are not artifacts and are written durably.
 * - `moveToTrash` makes a snapshot invisible in one step (and removes its
 *   job folder if that left it empty); with `durable: false` the move may
 *   be lost in a power failure (the snapshot is then back, whole, in its
 *   place), which spares a sync per snapshot when a cleanup removes
 *   thousands that a later cleanup would remove again. `purgeTrash`
 *   deletes what was trashed, a bounded batch per call. `removeJobIfEmpty` removes a job
 *   with no snapshot left, never one a capture has just filled.
 * - `listLinks` names the links found where a job or snapshot folder
 *   should be, so they can be reported; they are never followed.
 * - `scan` lists every job's snapshots and those links in one pass;
 *   `probe` reads what retention weighs of snapshots `scan` just listed
 *   (one gone since reads as having neither manifest nor marker); `moveListedToTrash` moves many
 *   listed snapshots at once without a sync, leaving job folders in place
 *   (`removeJobIfEmpty` removes those it emptied). They exist so that a
 *   cleanup of a large store costs few calls per snapshot.
 */
import type { Readable } from 'node:stream';
import type {
  GitContext,
  ObserverSummary,
  SnapshotError,
} from '../../protocol/index.js';
import type { Manifest, SnapshotSize } from './manifest.js';

/** What a written artifact turned out to be. */
export interface WrittenArtifact {
  bytes: number;
  sha256: string;
}

export interface WriteArtifactOptions {
  /** Modification time to give the copy, as `cp -p` keeps it. */
  mtimeMs?: number;
  signal?: AbortSignal;
}

/** A snapshot being built; nothing of it is visible before `commit`. */
export interface SnapshotWriter {
  /**
   * Streams `source` into the artifact `name`, hashing it on the way.
   * An error of the source is rethrown as it came; an error writing the
   * store is a SnapshotError('STORE_UNAVAILABLE').
   */
  writeArtifact(
    name: string,
    source: Readable | AsyncIterable<Uint8Array>,
    options?: WriteArtifactOptions,
  ): Promise<WrittenArtifact>;
  /** Writes a small file the manager keeps for itself (e.g. git context). */
  writeText(name: string, text: string): Promise<void>;
  /** Writes the manifest last and makes the snapshot visible at once. */
  commit(manifest: Manifest): Promise<void>;
  /** Throws away everything written; safe to call more than once. */
  abort(): Promise<void>;
}

/** A file inside a snapshot. */
export interface StoredFile {
  name: string;
  bytes: number;
}

/** A snapshot in the original layout, described from its folder. */
export interface OriginalSnapshot {
  /** Top-level regular files, minus the two the original wrote itself. */
  files: StoredFile[];
  git: GitContext | null;
  observer: ObserverSummary | null;
}

export interface PurgeResult {
  removed: number;
  remaining: number;
}

/** Every job's complete snapshots, and the links planted among them. */
export interface StoreScan {
  jobs: { jobId: string; ids: string[] }[];
  links: string[];
}

/** What retention weighs of one snapshot. */
export interface ProbedSnapshot {
  /** From the manifest; null in the original layout, when unreadable,
   * or not asked for. */
  size: SnapshotSize | null;
  hasMarker: boolean;
}

/** What became of one snapshot sent to the trash. */
export type MoveOutcome = 'moved' | 'gone' | SnapshotError;

export interface StoreBackend {
  /** Where the store lives, as a person would look for it. */
  readonly location: string;
  open(): Promise<void>;
  /** Removes leftovers of dead captures; returns how many. */
  recover(): Promise<number>;
  /** Where a snapshot can be read, as results report it in `path`. */
  snapshotLocation(jobId: string, id: string): string;
  listJobs(): Promise<string[]>;
  listSnapshotIds(jobId: string): Promise<string[]>;
  readManifest(jobId: string, id: string): Promise<Manifest | null>;
  readOriginal(jobId: string, id: string): Promise<OriginalSnapshot>;
  beginSnapshot(jobId: string, id: string): Promise<SnapshotWriter>;
  listFiles(jobId: string, id: string): Promise<StoredFile[]>;
  openArtifact(jobId: string, id: string, name: string): Promise<Readable>;
  readMarker(jobId: string, id: string, name: string): Promise<string | null>;
  writeMarker(
    jobId: string,
    id: string,
    name: string,
    text: string,
  ): Promise<void>;
  /** True when a marker was there to remove. */
  removeMarker(jobId: string, id: string, name: string): Promise<boolean>;
  moveToTrash(
    jobId: string,
    id: string,
    options?: { durable?: boolean },
  ): Promise<void>;
  /** True when the job's folder was empty and is gone. */
  removeJobIfEmpty(jobId: string): Promise<boolean>;
  listLinks(): Promise<string[]>;
  scan(options?: { jobId?: string }): Promise<StoreScan>;
  /** Per snapshot, its manifest (when asked) and marker, or an error. */
  probe(
    refs: readonly { jobId: string; id: string; manifest: boolean }[],
    marker: string,
  ): Promise<(ProbedSnapshot | Error)[]>;
  /** Each snapshot's outcome; throws only when nothing could move. */
  moveListedToTrash(
    refs: readonly { jobId: string; id: string }[],
  ): Promise<MoveOutcome[]>;
  purgeTrash(options?: { batchSize?: number }): Promise<PurgeResult>;
}

/**
 * The snapshot store, in the original manager's shape: capture a job's
 * workspace, list and show what was captured. Every method opens the store
 * lazily, so `new SnapshotManager()` followed by any call just works.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import {
  DEFAULT_STORE_DIR,
  expandPath,
  type JobSummary,
  type Snapshot,
  type SnapshotDetail,
} from '../../protocol/index.js';
import type {
  CaptureOptions,
  CaptureOutcome,
  OperationOptions,
  RetentionPolicy,
  SnapshotStore,
} from './api.js';
import type { StoreBackend } from './backend.js';
import { captureWorkspace } from './capture.js';
import { Catalog } from './catalog.js';
import { FsBackend } from './fs-backend.js';
import { DEFAULT_GIT_TIMEOUT_MS } from './git-context.js';
import { assertJobId, assertLimit, assertSnapshotId } from './layout.js';
import { diffSnapshots, type DiffResult } from './diff.js';
import { cleanupByAge, expireSnapshots, type CleanupResult } from './expire.js';
import { LeaseRegistry } from './leases.js';
import { setPinned } from './pins.js';
import { TrashPurger, deleteSnapshot } from './removal.js';
import { restoreSnapshot, type RestoreResult } from './restore.js';
import type { StoreContext } from './store-context.js';
import { verifySnapshots, type VerifyResult } from './verify.js';

export interface SnapshotManagerOptions {
  /** Where the store lives; `~` is expanded. */
  baseDir?: string;
  /** Events go here; silent when omitted. */
  logger?: Logger;
  /** Storage other than the local filesystem at `baseDir`. */
  backend?: StoreBackend;
  /** Git gets this long per capture before it is skipped; 5 s default. */
  gitTimeoutMs?: number;
  /** Files copied at once per capture; 8 default. */
  copyConcurrency?: number;
}

export class SnapshotManager implements SnapshotStore {
  readonly baseDir: string;
  readonly #backend: StoreBackend;
  readonly #catalog: Catalog;
  readonly #logger: Logger;
  readonly #gitTimeoutMs: number;
  readonly #copyConcurrency: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** What retention, removal and inspection share (see store-context). */
  readonly #context: StoreContext;
  #opening: Promise<void> | undefined;

  constructor(options: SnapshotManagerOptions = {}) {
    this.#backend =
      options.backend ??
      new FsBackend(expandPath(options.baseDir ?? DEFAULT_STORE_DIR));
    this.baseDir = this.#backend.location;
    this.#catalog = new Catalog(this.#backend);
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#gitTimeoutMs = options.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
    this.#copyConcurrency = Math.max(1, options.copyConcurrency ?? 8);
    this.#context = {
      backend: this.#backend,
      catalog: this.#catalog,
      logger: this.#logger,
      leases: new LeaseRegistry(),
      purger: new TrashPurger({ backend: this.#backend, logger: this.#logger }),
    };
  }

  /** Prepares the store and clears a crash's leftovers; idempotent. */
  open(): Promise<void> {
    this.#opening ??= this.#openOnce().catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening;
  }

  /** Waits for work in flight; a later call opens the store again. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    await this.#context.purger.settle();
    this.#opening = undefined;
  }

  /** The original's capture: the snapshot, or null when none was taken. */
  async capture(
    jobId: string,
    workspace: string,
    options: CaptureOptions = {},
  ): Promise<Snapshot | null> {
    const outcome = await this.captureSnapshot(jobId, workspace, options);
    return outcome.snapshot;
  }

  /** Capture, with why nothing was taken and which artifacts failed. */
  async captureSnapshot(
    jobId: string,
    workspace: string,
    options: CaptureOptions = {},
  ): Promise<CaptureOutcome> {
    assertJobId(jobId);
    await this.open();

    return this.#track(
      captureWorkspace({
        backend: this.#backend,
        catalog: this.#catalog,
        logger: this.#logger,
        jobId,
        workspace: resolve(workspace),
        configPath: options.configPath && resolve(options.configPath),
        signal: options.signal,
        onProgress: options.onProgress,
        gitTimeoutMs: this.#gitTimeoutMs,
        copyConcurrency: this.#copyConcurrency,
      }),
    );
  }

  /** A job's snapshots, newest first. */
  async listSnapshots(
    jobId: string,
    options: { limit?: number } = {},
  ): Promise<Snapshot[]> {
    assertJobId(jobId);
    assertLimit(options.limit);
    await this.open();
    return this.#catalog.list(jobId, options.limit);
  }

  /** Every job with at least one snapshot, by job id. */
  async listJobs(): Promise<JobSummary[]> {
    await this.open();
    return this.#catalog.jobs();
  }

  /** One snapshot in full; SNAPSHOT_NOT_FOUND when there is none. */
  async getSnapshot(jobId: string, id: string): Promise<SnapshotDetail> {
    assertJobId(jobId);
    assertSnapshotId(id);
    await this.open();
    return this.#catalog.detail(jobId, id);
  }

  /** The original's cleanup by age: the number of snapshots removed. */
  async cleanup(options: { maxAgeHours?: number } = {}): Promise<number> {
    await this.open();
    return this.#track(cleanupByAge(this.#context, options));
  }

  /** Removes what the policy says (or only lists it, for a dry run). */
  async expire(
    policy: RetentionPolicy,
    options: OperationOptions = {},
  ): Promise<CleanupResult> {
    await this.open();
    return this.#track(expireSnapshots(this.#context, policy, options));
  }

  async deleteSnapshot(jobId: string, id: string): Promise<void> {
    await this.open();
    return this.#track(deleteSnapshot(this.#context, jobId, id));
  }

  async verify(
    scope: { jobId?: string; id?: string },
    options: OperationOptions = {},
  ): Promise<VerifyResult> {
    await this.open();
    return this.#track(verifySnapshots(this.#context, scope, options));
  }

  async restore(
    jobId: string,
    id: string,
    target: string,
    options: { overwrite?: boolean } & OperationOptions = {},
  ): Promise<RestoreResult> {
    await this.open();
    const request = { ...options, jobId, id, target };
    return this.#track(restoreSnapshot(this.#context, request));
  }

  async diff(jobId: string, from: string, to: string): Promise<DiffResult> {
    await this.open();
    return diffSnapshots(this.#context, { jobId, from, to });
  }

  async setPinned(
    jobId: string,
    id: string,
    pinned: boolean,
  ): Promise<boolean> {
    await this.open();
    return setPinned(this.#context, { jobId, id }, pinned);
  }

  async #openOnce(): Promise<void> {
    await this.#backend.open();

    try {
      const removed = await this.#backend.recover();
      if (removed > 0) {
        this.#logger.info(
          { path: this.baseDir, removed },
          'snapshot.recovered',
        );
      }
    } catch (err) {
      // Leftovers only cost space; the store is usable without clearing.
      this.#logger.warn({ path: this.baseDir, err }, 'snapshot.recover_failed');
    }

    // A crash between the two phases of a removal left trash: purge it in
    // the background (it never rejects; close() waits for it).
    void this.#track(this.#context.purger.drain());
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}

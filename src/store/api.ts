/**
 * What the snapshot store offers its callers: the daemon's handlers and code
 * that embeds the store. Results that also cross the wire use the wire's
 * own types from protocol/, so each shape is defined once.
 */
import type {
  CaptureSkipReason,
  FailedArtifact,
  JobSummary,
  ProgressValue,
  ResultOf,
  Snapshot,
  SnapshotDetail,
} from '../../protocol/index.js';

/** Lets a long operation report progress and be cancelled. */
export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ProgressValue) => void;
}

export interface CaptureOptions extends OperationOptions {
  configPath?: string;
}

export type CaptureOutcome =
  | { snapshot: Snapshot; failed: FailedArtifact[] }
  | { snapshot: null; reason: CaptureSkipReason };

/** A retention policy, evaluated per job; pins always win. */
export interface RetentionPolicy {
  /** Remove snapshots older than this; 168 when omitted. */
  maxAgeHours?: number;
  /** Only this job; every job when omitted. */
  jobId?: string;
  /** Never remove a job's newest N, whatever their age. */
  keepLast?: number;
  /** A store-wide quota, enforced oldest first. */
  maxTotalBytes?: number;
  /** Decide, report, remove nothing. */
  dryRun?: boolean;
}

export interface SnapshotStore {
  readonly baseDir: string;
  /** Prepares the store and clears a crash's leftovers; idempotent. */
  open(): Promise<void>;
  /** Waits for background removals, then releases the store. */
  close(): Promise<void>;
  /** The original's capture: the snapshot, or null when none was taken. */
  capture(
    jobId: string,
    workspace: string,
    options?: CaptureOptions,
  ): Promise<Snapshot | null>;
  /** Capture, with why nothing was taken and which artifacts failed. */
  captureSnapshot(
    jobId: string,
    workspace: string,
    options?: CaptureOptions,
  ): Promise<CaptureOutcome>;
  listSnapshots(
    jobId: string,
    options?: { limit?: number },
  ): Promise<Snapshot[]>;
  listJobs(): Promise<JobSummary[]>;
  getSnapshot(jobId: string, id: string): Promise<SnapshotDetail>;
  /** The original's cleanup by age: the number of snapshots removed. */
  cleanup(options?: { maxAgeHours?: number }): Promise<number>;
  expire(
    policy: RetentionPolicy,
    options?: OperationOptions,
  ): Promise<ResultOf<'snapshot.cleanup'>>;
  deleteSnapshot(jobId: string, id: string): Promise<void>;
  verify(
    scope: { jobId?: string; id?: string },
    options?: OperationOptions,
  ): Promise<ResultOf<'snapshot.verify'>>;
  restore(
    jobId: string,
    id: string,
    target: string,
    options?: { overwrite?: boolean } & OperationOptions,
  ): Promise<ResultOf<'snapshot.restore'>>;
  diff(
    jobId: string,
    from: string,
    to: string,
  ): Promise<ResultOf<'snapshot.diff'>>;
  setPinned(jobId: string, id: string, pinned: boolean): Promise<boolean>;
}

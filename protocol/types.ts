/**
 * The data that crosses the wire, as zod schemas. Each schema is the single
 * definition of its shape: the TypeScript type is inferred from it, the
 * daemon validates params with it, and the OpenRPC document is generated
 * from it. Names are snake_case, as in the rest of the Marianne IPC.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** Letters, digits, `.`, `_` and `-`, 1 to 128 long, not starting with `.`. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export const JobId = z
  .string()
  .regex(JOB_ID_PATTERN, {
    message:
      'job_id must be 1 to 128 letters, digits, ".", "_" or "-", ' +
      'not starting with "."',
  })
  .describe('The job, as the conductor names it');

/** A snapshot id: letters and digits only, so it is safe as a folder name. */
export const SnapshotId = z
  .string()
  .regex(/^[A-Za-z0-9]{1,64}$/, {
    message: 'id must be 1 to 64 letters or digits',
  })
  .describe('A snapshot of the job; ids sort in capture order');

export const AbsolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), {
    message: 'must be an absolute path',
  });

/** A progress token, as in the Language Server Protocol. */
export const ProgressToken = z
  .union([z.string(), z.number().int()])
  .describe('When present, the daemon sends $/progress notifications');

export const Snapshot = z.object({
  job_id: z.string(),
  id: z.string().describe('Unique within the job; sorts in capture order'),
  timestamp: z.string().describe('Unix seconds of the capture, digits only'),
  created_at: z.string().describe('ISO 8601, UTC, millisecond precision'),
  path: z.string().describe('Absolute path of the snapshot folder'),
  files: z.number().int().describe('Count of captured artifacts'),
  bytes: z.number().int().describe('Their total size'),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const Artifact = z.object({
  name: z.string().describe('Path inside the snapshot folder'),
  bytes: z.number().int(),
  sha256: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;

/** A file that matched but could not be captured, and why. */
export const FailedArtifact = z.object({
  name: z.string(),
  error: z.string(),
});
export type FailedArtifact = z.infer<typeof FailedArtifact>;

export const GitContext = z.object({
  head_sha: z.string(),
  branch: z.string(),
  status: z.string().describe('`git status --porcelain`, unaltered'),
});
export type GitContext = z.infer<typeof GitContext>;

export const ObserverSummary = z.object({
  total_events: z.number().int(),
  by_type: z.record(z.string(), z.number().int()),
});
export type ObserverSummary = z.infer<typeof ObserverSummary>;

export const SnapshotDetail = Snapshot.extend({
  workspace: z.string().nullable(),
  artifacts: z.array(Artifact),
  failed: z.array(FailedArtifact).describe('Matched but not captured'),
  git: GitContext.nullable(),
  observer: ObserverSummary.nullable(),
  pinned: z.boolean(),
});
export type SnapshotDetail = z.infer<typeof SnapshotDetail>;

export const JobSummary = z.object({
  job_id: z.string(),
  snapshots: z.number().int(),
  bytes: z.number().int(),
  newest: z.string().nullable().describe('created_at of the newest one'),
});
export type JobSummary = z.infer<typeof JobSummary>;

/** The rule that decided a snapshot's removal. */
export const RemovalReason = z.enum(['max_age', 'quota', 'deleted']);
export type RemovalReason = z.infer<typeof RemovalReason>;

export const CaptureSkipReason = z.enum([
  'workspace_missing',
  'nothing_to_capture',
]);
export type CaptureSkipReason = z.infer<typeof CaptureSkipReason>;

export const VerifyProblem = z.object({
  job_id: z.string(),
  id: z.string(),
  name: z.string().nullable().describe('The artifact, or null for all'),
  problem: z.enum(['missing', 'changed', 'unexpected', 'no_manifest']),
});
export type VerifyProblem = z.infer<typeof VerifyProblem>;

/** What a `$/progress` notification carries in `value`. */
export const ProgressValue = z.object({
  stage: z.string(),
  done: z.number().int(),
  total: z.number().int().nullable(),
  message: z.string().optional(),
});
export type ProgressValue = z.infer<typeof ProgressValue>;

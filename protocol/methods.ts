/**
 * Every method of the wire, defined once. The daemon registers a handler
 * per entry and validates params with its schema; the client derives its
 * typed calls from the same entries; the OpenRPC document is generated from
 * them. Params are by name, and unknown params are refused so that a typo
 * is an error rather than a silently ignored option.
 */
import { z } from 'zod';
import {
  AbsolutePath,
  CaptureSkipReason,
  FailedArtifact,
  GitContext,
  JobId,
  JobSummary,
  ProgressToken,
  RemovalReason,
  Snapshot,
  SnapshotDetail,
  SnapshotId,
  VerifyProblem,
} from './types.js';

export interface MethodDefinition<
  Name extends string = string,
  Params extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
> {
  name: Name;
  summary: string;
  params: Params;
  result: Result;
  /** Whether a client may resend it after a broken connection. */
  idempotent: boolean;
}

function defineMethod<
  Name extends string,
  Params extends z.ZodType,
  Result extends z.ZodType,
>(
  definition: MethodDefinition<Name, Params, Result>,
): MethodDefinition<Name, Params, Result> {
  return definition;
}

const snapshotRef = { job_id: JobId, id: SnapshotId };
const nonNegative = z.number().int().nonnegative();

export const health = defineMethod({
  name: 'daemon.health',
  summary: 'Whether the daemon is up, and where it keeps its store.',
  idempotent: true,
  params: z.strictObject({}),
  result: z.object({
    status: z.literal('ok'),
    version: z.string(),
    protocol_version: z.string(),
    pid: z.number().int(),
    uptime_seconds: z.number(),
    snapshot_dir: z.string(),
    socket: z.string(),
  }),
});

export const discover = defineMethod({
  name: 'rpc.discover',
  summary: 'The OpenRPC document describing every method.',
  idempotent: true,
  params: z.strictObject({}),
  result: z.record(z.string(), z.unknown()),
});

export const capture = defineMethod({
  name: 'snapshot.capture',
  summary: "Capture a snapshot of a workspace's key artifacts.",
  idempotent: false,
  params: z.strictObject({
    job_id: JobId,
    workspace: AbsolutePath.describe('The job workspace'),
    config_path: AbsolutePath.optional().describe('A config to copy in'),
    progress_token: ProgressToken.optional(),
  }),
  result: z.union([
    z.object({ snapshot: Snapshot, failed: z.array(FailedArtifact) }),
    z.object({ snapshot: z.null(), reason: CaptureSkipReason }),
  ]),
});

export const list = defineMethod({
  name: 'snapshot.list',
  summary: 'The snapshots of one job, newest first.',
  idempotent: true,
  params: z.strictObject({
    job_id: JobId,
    limit: z.number().int().positive().optional(),
  }),
  result: z.object({ snapshots: z.array(Snapshot) }),
});

export const jobs = defineMethod({
  name: 'snapshot.jobs',
  summary: 'Every job in the store, with its snapshot count and size.',
  idempotent: true,
  params: z.strictObject({}),
  result: z.object({ jobs: z.array(JobSummary) }),
});

export const get = defineMethod({
  name: 'snapshot.get',
  summary: 'One snapshot with its artifacts, git context and observer summary.',
  idempotent: true,
  params: z.strictObject(snapshotRef),
  result: SnapshotDetail,
});

export const cleanup = defineMethod({
  name: 'snapshot.cleanup',
  summary: 'Remove snapshots by retention policy (pins are always kept).',
  idempotent: false,
  params: z.strictObject({
    max_age_hours: z.number().nonnegative().optional(),
    job_id: JobId.optional(),
    keep_last: nonNegative.optional(),
    max_total_bytes: nonNegative.optional(),
    dry_run: z.boolean().optional(),
    progress_token: ProgressToken.optional(),
  }),
  result: z.object({
    /** Snapshots now out of the store's view (their files are deleted
     * right after the reply, in the background). */
    removed: z.number().int(),
    /** Their size from their manifests: freed once that deletion ends. */
    freed_bytes: z.number().int(),
    snapshots: z.array(
      z.object({ job_id: z.string(), id: z.string(), reason: RemovalReason }),
    ),
  }),
});

export const remove = defineMethod({
  name: 'snapshot.delete',
  summary: 'Remove one snapshot.',
  idempotent: false,
  params: z.strictObject(snapshotRef),
  result: z.object({ deleted: z.literal(true) }),
});

export const verify = defineMethod({
  name: 'snapshot.verify',
  summary: 'Check artifacts against their manifest: one snapshot, or all.',
  idempotent: true,
  params: z.strictObject({
    job_id: JobId.optional(),
    id: SnapshotId.optional(),
    progress_token: ProgressToken.optional(),
  }),
  result: z.object({
    ok: z.boolean(),
    checked: z.number().int(),
    problems: z.array(VerifyProblem),
  }),
});

export const restore = defineMethod({
  name: 'snapshot.restore',
  summary: "Copy a snapshot's artifacts into a folder, verified.",
  idempotent: false,
  params: z.strictObject({
    ...snapshotRef,
    target: AbsolutePath.describe('Folder to restore into'),
    overwrite: z.boolean().optional(),
  }),
  result: z.object({ restored: z.number().int(), target: z.string() }),
});

export const diff = defineMethod({
  name: 'snapshot.diff',
  summary: 'Artifacts added, removed, changed and unchanged between two.',
  idempotent: true,
  params: z.strictObject({ job_id: JobId, from: SnapshotId, to: SnapshotId }),
  result: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    unchanged: z.array(z.string()),
    git: z
      .object({
        from: GitContext.nullable(),
        to: GitContext.nullable(),
        changed: z.array(z.enum(['head_sha', 'branch', 'status'])),
      })
      .describe('Git context on each side, and which fields differ'),
  }),
});

export const pin = defineMethod({
  name: 'snapshot.pin',
  summary: 'Keep a snapshot whatever the retention policy says.',
  idempotent: true,
  params: z.strictObject(snapshotRef),
  result: z.object({ pinned: z.boolean() }),
});

export const unpin = defineMethod({
  name: 'snapshot.unpin',
  summary: 'Let retention remove a snapshot again.',
  idempotent: true,
  params: z.strictObject(snapshotRef),
  result: z.object({ pinned: z.boolean() }),
});

/** Every method, keyed by its wire name. */
export const METHODS = {
  [health.name]: health,
  [discover.name]: discover,
  [capture.name]: capture,
  [list.name]: list,
  [jobs.name]: jobs,
  [get.name]: get,
  [cleanup.name]: cleanup,
  [remove.name]: remove,
  [verify.name]: verify,
  [restore.name]: restore,
  [diff.name]: diff,
  [pin.name]: pin,
  [unpin.name]: unpin,
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

/** The progress notification, as in the Language Server Protocol. */
export const PROGRESS_NOTIFICATION = '$/progress';
/** The cancellation notification, as in the Language Server Protocol. */
export const CANCEL_NOTIFICATION = '$/cancelRequest';

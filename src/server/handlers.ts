/**
 * One thin handler per method: the params arrive validated (snake_case,
 * as on the wire), become the store's options, and the store's result,
 * already in the wire's shape, goes back as it is.
 */
import type { z } from 'zod';
import {
  PROTOCOL_VERSION,
  SnapshotError,
  buildOpenRpcDocument,
  type MethodName,
  type Methods,
  type ProgressValue,
  type ResultOf,
} from '../../protocol/index.js';
import type { SnapshotStore } from '../store/api.js';

/** What every handler may use besides its params. */
export interface HandlerContext {
  store: SnapshotStore;
  signal: AbortSignal;
  onProgress: ((progress: ProgressValue) => void) | undefined;
  daemon: { version: string; socket: string; startedAt: number };
}

type Handler<M extends MethodName> = (
  params: z.output<Methods[M]['params']>,
  context: HandlerContext,
) => Promise<ResultOf<M>> | ResultOf<M>;

export type Handlers = { [M in MethodName]: Handler<M> };

// The document only changes with the version: build it once.
let discovered:
  { version: string; document: ResultOf<'rpc.discover'> } | undefined;
function describeMethods(version: string): ResultOf<'rpc.discover'> {
  if (discovered?.version !== version) {
    discovered = { version, document: buildOpenRpcDocument(version) };
  }
  return discovered.document;
}

function operation(context: HandlerContext) {
  return { signal: context.signal, onProgress: context.onProgress };
}

export const HANDLERS: Handlers = {
  'daemon.health': (_params, { store, daemon }) => ({
    status: 'ok',
    version: daemon.version,
    protocol_version: PROTOCOL_VERSION,
    pid: process.pid,
    uptime_seconds: (Date.now() - daemon.startedAt) / 1000,
    snapshot_dir: store.baseDir,
    socket: daemon.socket,
  }),

  'rpc.discover': (_params, { daemon }) => describeMethods(daemon.version),

  'snapshot.capture': (params, context) =>
    context.store.captureSnapshot(params.job_id, params.workspace, {
      configPath: params.config_path,
      ...operation(context),
    }),

  'snapshot.list': async (params, { store }) => ({
    snapshots: await store.listSnapshots(params.job_id, {
      limit: params.limit,
    }),
  }),

  'snapshot.jobs': async (_params, { store }) => ({
    jobs: await store.listJobs(),
  }),

  'snapshot.get': (params, { store }) =>
    store.getSnapshot(params.job_id, params.id),

  'snapshot.cleanup': (params, context) =>
    context.store.expire(
      {
        maxAgeHours: params.max_age_hours,
        jobId: params.job_id,
        keepLast: params.keep_last,
        maxTotalBytes: params.max_total_bytes,
        dryRun: params.dry_run,
      },
      operation(context),
    ),

  'snapshot.delete': async (params, { store }) => {
    await store.deleteSnapshot(params.job_id, params.id);
    return { deleted: true };
  },

  'snapshot.verify': (params, context) => {
    if (params.id !== undefined && params.job_id === undefined) {
      throw new SnapshotError(
        'INVALID_PARAMS',
        'Invalid params: job_id: is required when id is given',
        { field: 'job_id' },
      );
    }
    return context.store.verify(
      { jobId: params.job_id, id: params.id },
      operation(context),
    );
  },

  'snapshot.restore': (params, context) =>
    context.store.restore(params.job_id, params.id, params.target, {
      overwrite: params.overwrite,
      ...operation(context),
    }),

  'snapshot.diff': (params, { store }) =>
    store.diff(params.job_id, params.from, params.to),

  'snapshot.pin': async (params, { store }) => ({
    pinned: await store.setPinned(params.job_id, params.id, true),
  }),

  'snapshot.unpin': async (params, { store }) => ({
    pinned: await store.setPinned(params.job_id, params.id, false),
  }),
};

/** Methods that never touch the store, so no limit on the store holds them. */
export const STORE_FREE_METHODS: ReadonlySet<string> = new Set([
  'daemon.health',
  'rpc.discover',
]);

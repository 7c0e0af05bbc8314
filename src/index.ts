/**
 * marianne-snapshot as a library: the store for code that embeds it, and
 * the typed client for code that talks to a running daemon.
 */
export { SnapshotManager } from './store/snapshot-manager.js';
export type { SnapshotManagerOptions } from './store/snapshot-manager.js';
export type {
  CaptureOptions,
  CaptureOutcome,
  OperationOptions,
  RetentionPolicy,
  SnapshotStore,
} from './store/api.js';
export type { StoreBackend } from './store/backend.js';
export { connect } from './client/index.js';
export type {
  CallOptions,
  ConnectOptions,
  SnapshotClient,
} from './client/index.js';
export { startDaemon } from './server/index.js';
export type { Daemon, DaemonOptions } from './server/index.js';
export {
  DEFAULT_SOCKET,
  DEFAULT_STORE_DIR,
  ERRORS,
  PROTOCOL_VERSION,
  SnapshotError,
} from '../protocol/index.js';
export type {
  ErrorCode,
  JobSummary,
  MethodName,
  ParamsOf,
  ResultOf,
  Snapshot,
  SnapshotDetail,
} from '../protocol/index.js';

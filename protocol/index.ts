/**
 * The wire contract of marianne-snapshot, importable without the daemon:
 * method definitions, data schemas, the error registry and the version.
 */
export {
  AbsolutePath,
  Artifact,
  CaptureSkipReason,
  FailedArtifact,
  GitContext,
  JOB_ID_PATTERN,
  JobId,
  JobSummary,
  ObserverSummary,
  ProgressToken,
  ProgressValue,
  RemovalReason,
  Snapshot,
  SnapshotDetail,
  SnapshotId,
  VerifyProblem,
} from './types.js';
export {
  CANCEL_NOTIFICATION,
  METHODS,
  PROGRESS_NOTIFICATION,
} from './methods.js';
export type {
  MethodDefinition,
  MethodName,
  Methods,
  ParamsOf,
  ResultOf,
} from './methods.js';
export {
  CLIENT_ONLY_ERRORS,
  ERRORS,
  SnapshotError,
  errorCodeForNumber,
  isErrorCode,
} from './errors.js';
export type { ErrorCode, ErrorData } from './errors.js';
export { buildOpenRpcDocument } from './openrpc.js';
export {
  DEFAULT_SOCKET,
  DEFAULT_STORE_DIR,
  SOCKET_ENV,
  STORE_DIR_ENV,
  expandPath,
} from './locations.js';
export { PROTOCOL_VERSION } from './version.js';

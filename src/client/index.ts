/**
 * The typed client of the marianne-snapshot daemon.
 */
export { connect } from './client.js';
export type { ConnectOptions, SnapshotClient } from './client.js';
export type {
  CallArgs,
  CallMethod,
  CallOptions,
  CallParams,
  MethodTree,
} from './method-tree.js';

/** The daemon, for the `serve` command and for code that embeds it. */
export { startDaemon } from './daemon.js';
export type { Daemon, DaemonOptions } from './daemon.js';
export { DaemonStartError } from './daemon-start-error.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { DaemonLimits } from './limits.js';
export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';

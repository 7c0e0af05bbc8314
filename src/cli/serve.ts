/**
 * `marianne-snapshot serve`: runs the daemon in the foreground until
 * SIGTERM or SIGINT, then stops it cleanly and exits 0.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_SOCKET,
  DEFAULT_STORE_DIR,
  SOCKET_ENV,
  STORE_DIR_ENV,
  expandPath,
} from '../../protocol/index.js';
import { DEFAULT_LIMITS } from '../server/limits.js';
import type { Daemon, Logger } from '../server/index.js';

interface ServeFlags {
  dir?: string;
  socket?: string;
  logLevel: string;
  maxMessageBytes: number;
  maxConnections: number;
  maxInFlight: number;
  idleTimeoutSeconds: number;
  writeTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  cleanupIntervalMinutes: number;
  maxAgeHours: number;
  keepLast?: number;
  maxTotalBytes?: number;
}

export function addServeCommand(program: Command): void {
  const seconds = (ms: number): string => String(ms / 1000);
  program
    .command('serve')
    .description('run the snapshot daemon in the foreground')
    .option(
      '--dir <path>',
      `snapshot store (env ${STORE_DIR_ENV}, default ${DEFAULT_STORE_DIR})`,
    )
    .option(
      '--socket <path>',
      `Unix socket (env ${SOCKET_ENV}, default ${DEFAULT_SOCKET})`,
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug or trace',
      'info',
    )
    .option(
      '--max-message-bytes <n>',
      'largest message accepted',
      toCount,
      DEFAULT_LIMITS.maxMessageBytes,
    )
    .option(
      '--max-connections <n>',
      'connections open at once',
      toCount,
      DEFAULT_LIMITS.maxConnections,
    )
    .option(
      '--max-in-flight <n>',
      'store requests running at once',
      toCount,
      DEFAULT_LIMITS.maxInFlight,
    )
    .option(
      '--idle-timeout-seconds <s>',
      'close connections silent this long',
      toDuration,
      Number(seconds(DEFAULT_LIMITS.idleTimeoutMs)),
    )
    .option(
      '--write-timeout-seconds <s>',
      'drop peers that read nothing this long',
      toDuration,
      Number(seconds(DEFAULT_LIMITS.writeTimeoutMs)),
    )
    .option(
      '--shutdown-grace-seconds <s>',
      'wait this long for requests when stopping',
      toDuration,
      Number(seconds(DEFAULT_LIMITS.shutdownGraceMs)),
    )
    .option(
      '--cleanup-interval-minutes <m>',
      'expire snapshots this often; 0 turns it off',
      toDuration,
      60,
    )
    .option(
      '--max-age-hours <h>',
      'expiry removes snapshots older than this',
      toDuration,
      168,
    )
    .option(
      '--keep-last <n>',
      "expiry always keeps each job's newest N",
      toCount,
    )
    .option(
      '--max-total-bytes <n>',
      'expiry keeps the store under this size',
      toCount,
    )
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

// The server and the store load only here, so the client commands start
// without them.
async function serve(flags: ServeFlags): Promise<void> {
  const { DaemonStartError, createLogger, startDaemon } =
    await import('../server/index.js');
  const { SnapshotManager } = await import('../store/snapshot-manager.js');
  const log = createLogger({ level: flags.logLevel });
  const dir = expandPath(
    flags.dir ?? process.env[STORE_DIR_ENV] ?? DEFAULT_STORE_DIR,
  );
  const socket = expandPath(
    flags.socket ?? process.env[SOCKET_ENV] ?? DEFAULT_SOCKET,
  );
  const store = new SnapshotManager({
    baseDir: dir,
    logger: log.child({ component: 'store' }),
  });

  // Signals are caught before the socket exists, so a stop that arrives
  // while the daemon starts still ends in a clean stop.
  const started = startDaemon({
    store,
    socket,
    log,
    limits: {
      maxMessageBytes: flags.maxMessageBytes,
      maxConnections: flags.maxConnections,
      maxInFlight: flags.maxInFlight,
      idleTimeoutMs: flags.idleTimeoutSeconds * 1000,
      writeTimeoutMs: flags.writeTimeoutSeconds * 1000,
      shutdownGraceMs: flags.shutdownGraceSeconds * 1000,
    },
    retention:
      flags.cleanupIntervalMinutes > 0
        ? {
            intervalMs: flags.cleanupIntervalMinutes * 60_000,
            policy: {
              maxAgeHours: flags.maxAgeHours,
              keepLast: flags.keepLast,
              maxTotalBytes: flags.maxTotalBytes,
            },
          }
        : undefined,
  });
  stopOnSignals(started, log);
  try {
    await started;
  } catch (error) {
    if (!(error instanceof DaemonStartError)) throw error;
    log.error({ reason: error.message }, 'daemon.start_failed');
    console.error(`marianne-snapshot serve: ${error.message}`);
    return exitAfterFlush(log, 1);
  }
}

// The first signal stops cleanly; a second one stops at once.
function stopOnSignals(daemon: Promise<Daemon>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'daemon.forced_exit');
      return exitAfterFlush(log, 1);
    }

    stopping = true;
    log.info({ signal }, 'daemon.signal');
    daemon
      .then((started) => started.close())
      .then(
        () => exitAfterFlush(log, 0),
        (err: unknown) => {
          log.error({ err }, 'daemon.stop_failed');
          exitAfterFlush(log, 1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function exitAfterFlush(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
}

function toCount(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError('expected a whole number');
  }
  return Number(value);
}

function toDuration(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new InvalidArgumentError('expected a non-negative number');
  }
  return number;
}

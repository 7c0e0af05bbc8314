import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines instead of JSON; the default when stderr is a TTY. */
  pretty?: boolean;
}

/** The daemon's logger: pino JSON lines on stderr. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? process.stderr.isTTY;
  if (!pretty) return pino({ level }, pino.destination({ fd: 2, sync: false }));

  return pino({
    level,
    transport: { target: 'pino-pretty', options: { destination: 2 } },
  });
}

/**
 * A real pino logger whose JSON lines are kept in memory, so a test can
 * check the events a component emitted and their fields.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface LogEvent {
  msg: string;
  level: number;
  [field: string]: unknown;
}

export interface LogLines {
  logger: Logger;
  events(msg?: string): LogEvent[];
}

export function createLogLines(): LogLines {
  const lines: LogEvent[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as LogEvent);
      }
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);

  return {
    logger,
    events: (msg) =>
      msg === undefined ? [...lines] : lines.filter((l) => l.msg === msg),
  };
}

import type { Socket } from 'node:net';
import { detectFraming, encodeFrame } from '../../protocol/framing/index.js';
import { serializeErrorReply, toWireError } from './wire-errors.js';

// How long a refused client has to show which framing it speaks.
const FRAMING_WAIT_MS = 1000;

/**
 * Tells a connection over the limit why it is refused, in its own framing
 * when its first bytes arrive soon enough, and closes it.
 */
export function rejectConnection(socket: Socket, limit: number): void {
  const reply = serializeErrorReply(
    'null',
    toWireError(
      'RESOURCE_EXHAUSTED',
      `Too many connections (limit ${limit}, --max-connections); ` +
        'retry shortly',
      { limit: 'max_connections' },
    ),
  );
  let answered = false;
  const answer = (chunk?: Buffer): void => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    const framing = (chunk && detectFraming(chunk)) ?? 'ndjson';
    socket.end(encodeFrame(framing, reply));
    setTimeout(() => socket.destroy(), FRAMING_WAIT_MS).unref();
  };

  const timer = setTimeout(() => answer(), FRAMING_WAIT_MS);
  socket.on('error', () => socket.destroy());
  socket.once('data', answer);
  socket.once('end', () => answer());
}

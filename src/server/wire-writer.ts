import type { Socket } from 'node:net';
import {
  AbstractMessageWriter,
  type Message,
  type MessageWriter,
} from 'vscode-jsonrpc/node';
import { encodeFrame, type Framing } from '../../protocol/framing/index.js';
import type { RequestLedger } from './request-ledger.js';
import { serializeErrorReply, type WireError } from './wire-errors.js';

interface ReplyMessage {
  id?: unknown;
  method?: unknown;
  result?: unknown;
  error?: unknown;
}

/**
 * Writes vscode-jsonrpc's replies in the client's terms: the id as the
 * client wrote it, and a batch's replies gathered into one array. Errors
 * found before dispatch are written here too, so every byte leaves through
 * one place in order.
 */
export class WireWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(
    private readonly socket: Socket,
    private readonly framing: Framing,
    private readonly ledger: RequestLedger,
    private readonly onSettled: () => void,
    private readonly onBlocked: () => void,
  ) {
    super();
  }

  private corked = false;

  write(message: Message): Promise<void> {
    const reply = message as ReplyMessage;
    if (reply.method !== undefined || typeof reply.id !== 'number') {
      return this.send(JSON.stringify(message));
    }

    const entry = this.ledger.settle(reply.id);
    if (!entry) return Promise.resolve();

    const text = serializeReply(entry.idText, reply);
    const whole = entry.batch ? entry.batch.add(text) : text;
    const written = whole === undefined ? Promise.resolve() : this.send(whole);
    this.onSettled();
    return written;
  }

  writeError(idText: string, error: WireError): Promise<void> {
    return this.send(serializeErrorReply(idText, error));
  }

  /** Sends one message's JSON text, or a batch reply's. */
  send(text: string): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) {
      return Promise.resolve();
    }

    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => this.flushWhenCaughtUp(0));
    }
    return new Promise((resolve) => {
      // A peer that went away loses its replies; the socket's own error
      // handler logs that, so the write itself settles quietly.
      const frame =
        this.framing === 'ndjson'
          ? `${text}\n`
          : encodeFrame(this.framing, text);
      const flushed = this.socket.write(frame, () => resolve());
      if (!flushed) this.onBlocked();
    });
  }

  // The socket belongs to the connection, which ends it.
  end(): void {}

  // Replies are held while requests already received wait their turn in
  // vscode-jsonrpc's queue (it starts one per event-loop turn), so a
  // pipelined burst is answered in one write instead of one each; a full
  // buffer or a long wait flushes regardless.
  private flushWhenCaughtUp(rounds: number): void {
    const { socket } = this;
    const holding =
      this.ledger.waiting > 0 &&
      rounds < MAX_HOLD_ROUNDS &&
      socket.writableLength < socket.writableHighWaterMark;
    if (holding) {
      setImmediate(() => this.flushWhenCaughtUp(rounds + 1));
      return;
    }

    this.corked = false;
    socket.uncork();
  }
}

const MAX_HOLD_ROUNDS = 64;

function serializeReply(idText: string, reply: ReplyMessage): string {
  const body =
    reply.error !== undefined
      ? `"error":${JSON.stringify(reply.error)}`
      : `"result":${JSON.stringify(reply.result ?? null)}`;
  return `{"jsonrpc":"2.0","id":${idText},${body}}`;
}

import type { Socket } from 'node:net';
import {
  AbstractMessageWriter,
  type Message,
  type MessageWriter,
} from 'vscode-jsonrpc/node';
import type { Framing } from '../../protocol/framing/index.js';
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

  private pending: string[] = [];
  private pendingLength = 0;
  private flushScheduled = false;
  private repliesWritten = 0;
  private replyBytesWritten = 0;

  /** Reply text waiting here for the next write to the socket. */
  get heldBytes(): number {
    return this.pendingLength;
  }

  /** The average size of the replies written so far; 0 before the first. */
  get averageReplyBytes(): number {
    if (this.repliesWritten === 0) return 0;

    return this.replyBytesWritten / this.repliesWritten;
  }

  write(message: Message): Promise<void> {
    const reply = message as ReplyMessage;
    if (reply.method !== undefined || typeof reply.id !== 'number') {
      return this.send(JSON.stringify(message));
    }

    const entry = this.ledger.settle(reply.id);
    if (!entry) return DONE;

    const text = serializeReply(entry.idText, reply);
    this.repliesWritten++;
    this.replyBytesWritten += text.length;
    const whole = entry.batch ? entry.batch.add(text) : text;
    const written = whole === undefined ? DONE : this.send(whole);
    // The last reply owed goes out at once: nothing else would join it.
    if (this.ledger.outstanding === 0) this.flush();
    this.onSettled();
    return written;
  }

  writeError(idText: string, error: WireError): Promise<void> {
    return this.send(serializeErrorReply(idText, error));
  }

  /** Sends one message's JSON text, or a batch reply's. */
  send(text: string): Promise<void> {
    const { socket } = this;
    if (socket.destroyed || socket.writableEnded) return DONE;

    // Framed replies wait together and leave as one string in one write:
    // a burst of small replies costs one system call, not one each (and
    // joining once is cheaper than growing a string reply by reply).
    const frame =
      this.framing === 'ndjson'
        ? `${text}\n`
        : `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
    this.pending.push(frame);
    this.pendingLength += frame.length;
    if (this.pendingLength >= socket.writableHighWaterMark) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushWhenCaughtUp(0));
    }
    return DONE;
  }

  // The socket belongs to the connection, which ends it.
  end(): void {}

  // Replies are held while requests already received are still to
  // start, so a pipelined burst is answered in one write; a long wait
  // flushes regardless.
  private flushWhenCaughtUp(rounds: number): void {
    if (this.ledger.waiting > 0 && rounds < MAX_HOLD_ROUNDS) {
      setImmediate(() => this.flushWhenCaughtUp(rounds + 1));
      return;
    }

    this.flushScheduled = false;
    this.flush();
  }

  /**
   * Writes whatever replies are held, at once. A peer that went away
   * loses them; the socket's own error handler logs that.
   */
  flush(): void {
    const { socket } = this;
    const frames = this.pending;
    if (frames.length === 0) return;

    this.pending = [];
    this.pendingLength = 0;
    if (socket.destroyed || socket.writableEnded) return;

    if (!socket.write(frames.join(''))) this.onBlocked();
  }
}

const MAX_HOLD_ROUNDS = 64;
const DONE = Promise.resolve();

function serializeReply(idText: string, reply: ReplyMessage): string {
  const body =
    reply.error !== undefined
      ? `"error":${JSON.stringify(reply.error)}`
      : `"result":${JSON.stringify(reply.result ?? null)}`;
  return `{"jsonrpc":"2.0","id":${idText},${body}}`;
}

import type { Socket } from 'node:net';
import {
  createMessageConnection,
  type Logger as JsonRpcLogger,
  type Message,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  createDecoder,
  detectFraming,
  encodeFrame,
  type Frame,
  type FrameDecoder,
  type Framing,
} from '../../protocol/framing/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { DaemonLimits } from './limits.js';
import type { Logger } from './logger.js';
import { RequestLedger } from './request-ledger.js';
import { RequestPacer } from './request-pacer.js';
import { serializeErrorReply, toWireError } from './wire-errors.js';
import { isMessageGroup, WireReader } from './wire-reader.js';
import { WireWriter } from './wire-writer.js';

// Requests received but not yet started, per connection, before reading
// pauses.
const MAX_WAITING = 1024;

export interface ConnectionOptions {
  socket: Socket;
  log: Logger;
  limits: DaemonLimits;
  dispatcher: Dispatcher;
}

interface Wire {
  framing: Framing;
  decoder: FrameDecoder;
  reader: WireReader;
  writer: WireWriter;
  rpc: MessageConnection;
  pacer: RequestPacer;
}

/**
 * One client's socket: framing detected from its first byte, messages
 * handed to vscode-jsonrpc, and the socket kept open after the client
 * shuts its sending side until every reply is written.
 */
export class ClientConnection {
  private readonly ledger = new RequestLedger();
  private wire: Wire | undefined;
  private inputClosed = false;
  private ended = false;
  private writeTimer: NodeJS.Timeout | undefined;
  private queueFull = false;

  constructor(private readonly options: ConnectionOptions) {
    const { socket, limits } = options;
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.closeInput());
    socket.on('timeout', () => this.closeIdle());
    socket.on('error', (err) => options.log.debug({ err }, 'connection.error'));
    socket.on('close', () => this.dispose());
  }

  /** Ends the connection once its replies are written; used when stopping. */
  finish(): void {
    this.inputClosed = true;
    this.endWhenAnswered();
  }

  private receive(chunk: Buffer): void {
    if (this.inputClosed) return;

    const wire = this.wire ?? this.startWire(chunk);
    if (wire) this.handleFrames(wire.decoder.push(chunk));
    if (this.ledger.waiting > MAX_WAITING && !this.queueFull) {
      this.queueFull = true;
      this.options.socket.pause();
    }
  }

  // A client that sends faster than requests start is read no further
  // until the queue has room again, so memory stays bounded.
  private makeRoomInQueue(): void {
    this.ledger.markStarted();
    if (!this.queueFull || this.ledger.waiting > MAX_WAITING / 2) return;

    this.queueFull = false;
    if (!this.writeTimer) this.options.socket.resume();
  }

  private startWire(chunk: Buffer): Wire | undefined {
    const framing = detectFraming(chunk);
    if (!framing) return undefined;

    const { log, limits, dispatcher } = this.options;
    const writer = new WireWriter(
      this.options.socket,
      framing,
      this.ledger,
      () => this.settleOne(),
      () => this.holdWhileBlocked(),
    );
    const reader = new WireReader(this.ledger, writer, (reason) =>
      log.info({ reason }, 'request.invalid'),
    );

    // vscode-jsonrpc hands the star handler no id; the message strategy
    // sees each message just before its handler runs, synchronously. A
    // group's requests start as fast as the client takes their replies;
    // one message at a time keeps a cancellation behind its request.
    let current: Message | undefined;
    const start = (
      message: Message,
      next: (m: Message) => void | Promise<void>,
    ): void | Promise<void> => {
      current = message;
      if ((message as { id?: unknown }).id !== undefined) {
        this.makeRoomInQueue();
      }
      return next(message);
    };
    const pacer = new RequestPacer({
      socket: this.options.socket,
      writer,
      ledger: this.ledger,
    });
    const rpc = createMessageConnection(reader, writer, toJsonRpcLogger(log), {
      maxParallelism: 1,
      messageStrategy: {
        handleMessage: (message, next) => {
          if (!isMessageGroup(message)) return void start(message, next);

          return pacer.startGroup(message.members, (member) => {
            void start(member, next);
          });
        },
      },
    });
    rpc.onRequest((method, params, token) => {
      const internalId = (current as { id?: number } | undefined)?.id ?? 0;
      return dispatcher.handle(method, params, token, {
        log,
        id: this.ledger.peek(internalId)?.id ?? null,
        sendNotification: (name, value) =>
          rpc.sendNotification(name, value).catch(() => undefined),
      });
    });
    rpc.listen();

    const decoder = createDecoder(framing, {
      maxMessageBytes: limits.maxMessageBytes,
    });
    log.debug({ framing }, 'connection.framing');
    this.wire = { framing, decoder, reader, writer, rpc, pacer };
    return this.wire;
  }

  private handleFrames(frames: Frame[]): void {
    for (const frame of frames) {
      if (frame.kind === 'message') {
        this.wire?.reader.receive(frame.text);
        continue;
      }

      this.wire?.reader.deliver();
      this.options.log.warn({ reason: frame.reason }, 'connection.unframed');
      const code =
        frame.reason === 'too_large' ? 'RESOURCE_EXHAUSTED' : 'PARSE_ERROR';
      const limit =
        frame.reason === 'too_large' ? { limit: 'max_message_bytes' } : {};
      void this.wire?.writer.writeError(
        'null',
        toWireError(code, `${capitalize(frame.message)}`, limit),
      );
      this.finish();
      return;
    }
    this.wire?.reader.deliver();
  }

  // The client shut its sending side: read what is left, answer, then end.
  private closeInput(): void {
    if (this.wire && !this.inputClosed)
      this.handleFrames(this.wire.decoder.end());
    this.finish();
  }

  private settleOne(): void {
    this.wire?.pacer.wake();
    this.endWhenAnswered();
  }

  private endWhenAnswered(): void {
    if (!this.inputClosed || this.ended || this.ledger.outstanding > 0) return;

    this.ended = true;
    this.wire?.writer.flush();
    this.options.socket.end();
  }

  private closeIdle(): void {
    const { socket, limits, log } = this.options;
    if (this.ended) return void socket.destroy();
    if (this.ledger.outstanding > 0) return;

    log.info({ idle_seconds: limits.idleTimeoutMs / 1000 }, 'connection.idle');
    const reply = serializeErrorReply(
      'null',
      toWireError(
        'RESOURCE_EXHAUSTED',
        `Closing a connection idle for ${limits.idleTimeoutMs / 1000} s ` +
          '(--idle-timeout-seconds); reconnect to send more',
        { limit: 'idle_timeout' },
      ),
    );
    this.inputClosed = true;
    this.ended = true;
    this.wire?.writer.flush();
    socket.end(encodeFrame(this.wire?.framing ?? 'ndjson', reply));
  }

  // A peer that does not read its replies stops being read, and is
  // dropped if it still takes nothing after the write timeout.
  private holdWhileBlocked(): void {
    const { socket, limits, log } = this.options;
    if (this.writeTimer) return;

    socket.pause();
    this.writeTimer = setTimeout(() => {
      log.warn(
        { write_timeout_seconds: limits.writeTimeoutMs / 1000 },
        'connection.write_timeout',
      );
      socket.destroy();
    }, limits.writeTimeoutMs);
    socket.once('drain', () => {
      clearTimeout(this.writeTimer);
      this.writeTimer = undefined;
      if (!this.queueFull) socket.resume();
    });
  }

  private dispose(): void {
    clearTimeout(this.writeTimer);
    this.inputClosed = true;
    if (!this.wire) return;

    this.wire.pacer.stop();
    this.wire.reader.close();
    this.wire.rpc.dispose();
  }
}

function toJsonRpcLogger(log: Logger): JsonRpcLogger {
  return {
    error: (detail) => log.warn({ detail }, 'jsonrpc.message'),
    warn: (detail) => log.warn({ detail }, 'jsonrpc.message'),
    info: (detail) => log.debug({ detail }, 'jsonrpc.message'),
    log: (detail) => log.debug({ detail }, 'jsonrpc.message'),
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

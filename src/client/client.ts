/**
 * The typed client of the daemon. `connect()` opens the socket, asks the
 * daemon for its health (which proves it answers and gives its protocol
 * version), and returns calls typed from protocol/methods.ts.
 */
import type { Logger } from 'pino';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import {
  METHODS,
  PROGRESS_NOTIFICATION,
  PROTOCOL_VERSION,
  SnapshotError,
  type MethodName,
  type ResultOf,
} from '../../protocol/index.js';
import {
  createCancelledError,
  createConnectionLostError,
  createTimeoutError,
  toSnapshotError,
} from './errors.js';
import { openLink, type Link } from './link.js';
import {
  buildMethodTree,
  type CallArgs,
  type CallMethod,
  type CallOptions,
  type MethodTree,
} from './method-tree.js';
import {
  ProgressNotification,
  checkResult,
  isLongCall,
} from './method-policy.js';
import { checkProtocolVersion } from './protocol-version.js';

export interface ConnectOptions {
  /** Path of the daemon's Unix socket. */
  socket: string;
  /** Deadline to connect and hear the daemon's health; 5 s by default. */
  timeoutMs?: number;
  /** Default deadline of a call; 30 s. */
  callTimeoutMs?: number;
  /** Default deadline of writes and calls that report progress; 10 min. */
  longCallTimeoutMs?: number;
  /** Receives the client's events (retries, a protocol mismatch). */
  logger?: Logger;
  /** Called once when the daemon speaks another major protocol version. */
  onProtocolMismatch?: (versions: { daemon: string; client: string }) => void;
}

/** A connected client: `call()` plus one function per wire method. */
export type SnapshotClient = MethodTree & {
  readonly socket: string;
  /** The daemon's health as it answered on connect. */
  readonly daemonInfo: ResultOf<'daemon.health'>;
  readonly call: CallMethod;
  /** Closes the connection; calls still waiting fail with CONNECTION_LOST. */
  close(): void;
};

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_LONG_CALL_TIMEOUT_MS = 600_000;

export async function connect(
  options: ConnectOptions,
): Promise<SnapshotClient> {
  const caller = new Caller(options);
  let daemonInfo: ResultOf<'daemon.health'>;
  try {
    daemonInfo = await caller.handshake();
  } catch (error) {
    caller.close();
    throw error;
  }

  const call: CallMethod = (method, ...args) => caller.call(method, ...args);

  return {
    ...buildMethodTree(call),
    socket: options.socket,
    daemonInfo,
    call,
    close: () => caller.close(),
  };
}

// Holds the current link, opens a new one after a break, and runs calls
// with their deadline, cancellation and progress routing.
class Caller {
  private link: Link | undefined;
  private opening: Promise<Link> | undefined;
  private closed = false;
  private nextToken = 1;
  private readonly progress = new Map<string, CallOptions['onProgress']>();

  constructor(private readonly options: ConnectOptions) {}

  async handshake(): Promise<ResultOf<'daemon.health'>> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const info = await this.attempt('daemon.health', {}, { timeoutMs });

    checkProtocolVersion({
      daemon: info.protocol_version,
      client: PROTOCOL_VERSION,
      socket: this.options.socket,
      logger: this.options.logger,
      onMismatch: this.options.onProtocolMismatch,
    });
    return info;
  }

  // Reads may be resent once after a broken connection: they change
  // nothing. A write is never resent, since the first copy may have run.
  async call<M extends MethodName>(
    method: M,
    ...[params, options = {}]: CallArgs<M>
  ): Promise<ResultOf<M>> {
    const attempts = METHODS[method].idempotent ? 2 : 1;

    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, params ?? {}, options);
      } catch (error) {
        const isRetryable =
          error instanceof SnapshotError &&
          error.code === 'CONNECTION_LOST' &&
          attempt < attempts &&
          !this.closed &&
          !options.signal?.aborted;
        if (!isRetryable) throw error;

        this.options.logger?.warn(
          { method, socket: this.options.socket, err: error },
          'client.retry',
        );
      }
    }
  }

  close(): void {
    this.closed = true;
    this.link?.close();
  }

  private async attempt<M extends MethodName>(
    method: M,
    params: object,
    options: CallOptions,
  ): Promise<ResultOf<M>> {
    if (options.signal?.aborted) throw createCancelledError(method);

    const link = await this.ensureLink();
    const wireParams: Record<string, unknown> = { ...params };
    let token: string | undefined;

    if (options.onProgress) {
      token = `p${this.nextToken++}`;
      wireParams.progress_token = token;
      this.progress.set(token, options.onProgress);
    }

    try {
      const raw = await this.send({ link, method, wireParams, options });
      return checkResult(method, raw);
    } finally {
      if (token) this.progress.delete(token);
    }
  }

  private send(request: {
    link: Link;
    method: MethodName;
    wireParams: Record<string, unknown>;
    options: CallOptions;
  }): Promise<unknown> {
    const { link, method, wireParams, options } = request;
    const socket = this.options.socket;
    const timeoutMs = options.timeoutMs ?? this.chooseTimeout(method);
    const cancellation = new CancellationTokenSource();

    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stopWatching();
        options.signal?.removeEventListener('abort', onAbort);
        cancellation.dispose();
        finish();
      };

      // On the deadline the daemon is told to stop too, so an abandoned
      // request does not keep one of its slots busy.
      const timer = setTimeout(() => {
        cancellation.cancel();
        settle(() => reject(createTimeoutError({ socket, method, timeoutMs })));
      }, timeoutMs);
      const stopWatching = link.onClose(() =>
        settle(() => reject(createConnectionLostError({ socket, method }))),
      );
      const onAbort = () => cancellation.cancel();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      Promise.resolve()
        .then(() =>
          link.connection.sendRequest(method, wireParams, cancellation.token),
        )
        .then(
          (result: unknown) => settle(() => resolve(result)),
          (error: unknown) =>
            settle(() => reject(toSnapshotError(error, { socket, method }))),
        );
    });
  }

  private chooseTimeout(method: MethodName): number {
    return isLongCall(method)
      ? (this.options.longCallTimeoutMs ?? DEFAULT_LONG_CALL_TIMEOUT_MS)
      : (this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  }

  private async ensureLink(): Promise<Link> {
    if (this.closed) {
      throw new SnapshotError('CONNECTION_LOST', 'the client was closed', {
        socket: this.options.socket,
      });
    }
    if (this.link && !this.link.isClosed()) return this.link;

    this.opening ??= openLink({
      socket: this.options.socket,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    })
      .then((link) => this.adopt(link))
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  private adopt(link: Link): Link {
    if (this.closed) link.close();
    link.connection.onNotification(PROGRESS_NOTIFICATION, (params: unknown) =>
      this.routeProgress(params),
    );
    this.link = link;
    return link;
  }

  // A report for a token nobody waits on, or one of a shape this client
  // does not know, is dropped: progress is advisory.
  private routeProgress(params: unknown): void {
    const parsed = ProgressNotification.safeParse(params);
    if (!parsed.success) return;

    const listener = this.progress.get(String(parsed.data.token));
    listener?.(parsed.data.value);
  }
}

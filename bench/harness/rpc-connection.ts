/**
 * A bare JSON-RPC 2.0 client over newline-delimited JSON on a Unix socket,
 * written from the contract alone so that it can judge the daemon rather
 * than share its code. It keeps every message it receives, which lets the
 * reliability suite count replies exactly.
 */
import { connect, type Socket } from 'node:net';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { code?: string; [key: string]: unknown };
}

/** One reply as it came off the wire. */
export interface RpcReply {
  jsonrpc?: string;
  id?: unknown;
  result?: unknown;
  error?: RpcErrorObject;
}

/** An error reply, raised by `call`. */
export class RpcReplyError extends Error {
  readonly code: number;
  readonly dataCode: string | undefined;

  constructor(error: RpcErrorObject) {
    super(`${error.message} (${error.code} ${error.data?.code ?? ''})`);
    this.name = 'RpcReplyError';
    this.code = error.code;
    this.dataCode = error.data?.code;
  }
}

export interface OpenOptions {
  /** Give up connecting after this long. */
  timeoutMs?: number;
}

export class RpcConnection {
  /** Every message received, in order; a batch reply is one entry. */
  readonly received: unknown[] = [];
  /** Lines that were not JSON (a daemon bug if ever non-empty). */
  readonly unparsable: string[] = [];
  /** Resolves when the daemon or we closed the connection. */
  readonly closed: Promise<void>;

  private readonly pending = new Map<unknown, (reply: RpcReply) => void>();
  private buffer = '';
  private nextId = 1;
  private isOpen = true;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.readChunk(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isOpen = false;
        resolve();
      });
    });
  }

  static open(path: string, options: OpenOptions = {}): Promise<RpcConnection> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${path} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        resolve(new RpcConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Sends bytes as they are: the caller frames them (or breaks them). */
  writeRaw(data: string | Buffer): void {
    if (this.isOpen) this.socket.write(data);
  }

  /** Sends a request with a fresh numeric id and waits for its reply. */
  request(
    method: string,
    params?: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<RpcReply> {
    const id = this.nextId++;
    const message = { jsonrpc: '2.0', id, method, params };
    return this.sendAndWait(id, JSON.stringify(message), options.timeoutMs);
  }

  /** Like `request`, resolving to the result and throwing error replies. */
  async call<T = Record<string, unknown>>(
    method: string,
    params?: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    const reply = await this.request(method, params, options);
    if (reply.error) throw new RpcReplyError(reply.error);
    return reply.result as T;
  }

  /** Writes one prepared line and waits for the reply carrying `id`. */
  sendAndWait(
    id: unknown,
    line: string,
    timeoutMs = 30_000,
  ): Promise<RpcReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to id ${String(id)} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      void this.closed.then(() => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(
          new Error(`connection closed before the reply to ${String(id)}`),
        );
      });
      this.writeRaw(`${line}\n`);
    });
  }

  /** Shuts our sending side; the daemon still sends pending replies. */
  end(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }

  private readChunk(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() !== '') this.readLine(line);
      newline = this.buffer.indexOf('\n');
    }
  }

  private readLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.unparsable.push(line);
      return;
    }

    this.received.push(message);
    const replies = Array.isArray(message) ? message : [message];
    for (const reply of replies as RpcReply[]) {
      const settle = this.pending.get(reply?.id);
      if (settle) {
        this.pending.delete(reply.id);
        settle(reply);
      }
    }
  }
}

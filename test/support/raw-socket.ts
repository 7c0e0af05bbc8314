/**
 * Talking to the daemon byte for byte, with no client library in the way:
 * what a shell script or another language's client would send.
 */
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A parsed reply; tests read the fields they expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/**
 * Sends bytes, shuts the sending side, and collects everything until the
 * daemon closes the connection.
 */
export function exchange(
  socket: string,
  input: string | Buffer,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = connect(socket);
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('error', reject);
    client.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    client.end(input);
  });
}

/** Each non-empty line of NDJSON output, parsed. */
export function parseLines(output: string): Json[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): Json => JSON.parse(line));
}

/** The shell one-liner the README documents, run by `sh`. */
export async function runSocat(
  socket: string,
  shellInput: string,
): Promise<string> {
  const { stdout } = await run('sh', [
    '-c',
    `${shellInput} | socat - UNIX-CONNECT:${socket}`,
  ]);
  return stdout;
}

/** A connection that stays open, for requests sent one after another. */
export class LineClient {
  private buffer = '';
  private waiters: (() => void)[] = [];
  readonly lines: Json[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let newline = this.buffer.indexOf('\n');
      while (newline !== -1) {
        this.lines.push(JSON.parse(this.buffer.slice(0, newline)));
        this.buffer = this.buffer.slice(newline + 1);
        newline = this.buffer.indexOf('\n');
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** Sends a request and resolves with the reply carrying its id. */
  async call(
    id: number | string,
    method: string,
    params?: unknown,
  ): Promise<Json> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.waitFor((line) => line.id === id && line.method === undefined);
  }

  /** The first line received (now or later) that matches. */
  async waitFor(match: (line: Json) => boolean): Promise<Json> {
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.closed) throw new Error('connection closed before the reply');
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Resolves once the daemon has closed the connection. */
  async waitForClose(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

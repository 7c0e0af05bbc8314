import type { Socket } from 'node:net';
import type { Message } from 'vscode-jsonrpc/node';
import type { RequestLedger } from './request-ledger.js';
import type { WireWriter } from './wire-writer.js';

// Reply bytes a connection may owe its client before no further request
// of it starts: enough for any burst of ordinary replies, little enough
// that hundreds of peers that never read cannot exhaust the daemon.
export const MAX_UNSENT_REPLY_BYTES = 1024 * 1024;

// Requests started in a turn before any reply has shown its size.
const FIRST_SLICE = 16;

export interface RequestPacerOptions {
  socket: Socket;
  writer: WireWriter;
  ledger: RequestLedger;
}

/** Starts one request, synchronously. */
export type StartRequest = (message: Message) => void;

/**
 * Starts the requests that arrived together no faster than their client
 * takes the replies: as many in a turn as the room left under
 * MAX_UNSENT_REPLY_BYTES affords at the replies' average size so far,
 * and none while the client owes more than that until the socket drains.
 * The write timeout still drops a client that never drains. Replies of
 * requests still running count at that average too, so a burst of slow
 * requests with unusually large replies can overshoot the bound.
 */
export class RequestPacer {
  private members: Message[] = [];
  private start: StartRequest = () => undefined;
  private next = 0;
  private finish: (() => void) | undefined;
  private parked = false;

  constructor(private readonly options: RequestPacerOptions) {}

  /** Resolves once every member has started, or the pacer is stopped. */
  startGroup(members: Message[], start: StartRequest): Promise<void> {
    this.members = members;
    this.start = start;
    this.next = 0;
    return new Promise((resolve) => {
      this.finish = resolve;
      this.startSome();
    });
  }

  /** Ends the group: all started, or the rest given up as the client left. */
  stop(): void {
    this.members = [];
    this.next = 0;
    this.parked = false;
    const finish = this.finish;
    this.finish = undefined;
    finish?.();
  }

  /** A reply was written: room may have been waiting for it. */
  wake(): void {
    if (!this.parked) return;

    this.parked = false;
    this.startSome();
  }

  private readonly startSome = (): void => {
    if (!this.finish) return;
    if (this.options.socket.destroyed) return this.stop();

    const room = MAX_UNSENT_REPLY_BYTES - this.countOwedBytes();
    if (room <= 0) return this.waitForRoom();

    const { members, start } = this;
    const average = this.options.writer.averageReplyBytes;
    let budget = average === 0 ? FIRST_SLICE : Math.ceil(room / average);
    while (budget-- > 0 && this.next < members.length) {
      start(members[this.next++]!);
    }
    if (this.next < members.length) setImmediate(this.startSome);
    else this.stop();
  };

  // Bytes the client is owed: written but not taken, held by the writer,
  // and expected from requests still running.
  private countOwedBytes(): number {
    const { socket, writer, ledger } = this.options;
    const running = ledger.outstanding - ledger.waiting;
    return (
      socket.writableLength +
      writer.heldBytes +
      running * writer.averageReplyBytes
    );
  }

  // Room comes back when the client takes bytes, or, when what fills it is
  // requests still running, as they are answered.
  private waitForRoom(): void {
    const { socket, writer } = this.options;
    writer.flush();
    if (socket.writableNeedDrain) socket.once('drain', this.startSome);
    else this.parked = true;
  }
}

import type { Writable } from 'node:stream';
import {
  AbstractMessageWriter,
  type Message,
  type MessageWriter,
} from 'vscode-jsonrpc/node';
import { encodeFrame } from './encode-frame.js';
import type { Framing } from './frame.js';

/** Writes JSON-RPC messages in one framing, for vscode-jsonrpc. */
export class FramedMessageWriter
  extends AbstractMessageWriter
  implements MessageWriter
{
  private errorCount = 0;

  constructor(
    private readonly writable: Writable,
    private readonly framing: Framing,
  ) {
    super();
    writable.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const frame = encodeFrame(this.framing, JSON.stringify(message));
    return new Promise((resolve, reject) => {
      this.writable.write(frame, (error) => {
        if (!error) return resolve();

        this.errorCount += 1;
        this.fireError(error, message, this.errorCount);
        reject(error);
      });
    });
  }

  // The transport belongs to whoever created it: closing it is theirs.
  end(): void {}
}

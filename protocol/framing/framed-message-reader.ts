import type { Readable } from 'node:stream';
import {
  AbstractMessageReader,
  Disposable,
  type DataCallback,
  type Message,
  type MessageReader,
} from 'vscode-jsonrpc/node';
import { createDecoder } from './create-decoder.js';
import { detectFraming } from './detect-framing.js';
import type { Frame, FrameDecoder, Framing } from './frame.js';

export interface FramedReaderOptions {
  /** The framing to read, or `detect` to decide from the first byte. */
  framing: Framing | 'detect';
  maxMessageBytes?: number;
}

/**
 * Reads JSON-RPC messages in either framing, for vscode-jsonrpc. A batch
 * reply (an array) is delivered one message at a time. Text that is not
 * JSON is reported on `onError`; the reader keeps going, except after a
 * framing error, which ends the stream's usefulness.
 */
export class FramedMessageReader
  extends AbstractMessageReader
  implements MessageReader
{
  private decoder: FrameDecoder | undefined;

  constructor(
    private readonly readable: Readable,
    private readonly options: FramedReaderOptions,
  ) {
    super();
    if (options.framing !== 'detect') {
      this.decoder = createDecoder(options.framing, options);
    }
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer): void => {
      const decoder = this.decoderFor(chunk);
      if (decoder) this.deliver(decoder.push(chunk), callback);
    };
    const onEnd = (): void => {
      if (this.decoder) this.deliver(this.decoder.end(), callback);
    };
    const onError = (error: Error): void => this.fireError(error);
    const onClose = (): void => this.fireClose();

    this.readable.on('data', onData);
    this.readable.on('end', onEnd);
    this.readable.on('error', onError);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.readable.off('data', onData);
      this.readable.off('end', onEnd);
      this.readable.off('error', onError);
      this.readable.off('close', onClose);
    });
  }

  private decoderFor(chunk: Buffer): FrameDecoder | undefined {
    if (this.decoder) return this.decoder;

    const framing = detectFraming(chunk);
    if (framing) this.decoder = createDecoder(framing, this.options);
    return this.decoder;
  }

  private deliver(frames: Frame[], callback: DataCallback): void {
    for (const frame of frames) {
      if (frame.kind === 'error') {
        this.fireError(new Error(frame.message));
        continue;
      }

      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.text);
      } catch (error) {
        this.fireError(error);
        continue;
      }
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      for (const message of messages) callback(message as Message);
    }
  }
}

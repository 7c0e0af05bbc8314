/**
 * What a framing decoder yields: the text of one whole message, or the
 * reason the byte stream can no longer be read as messages.
 */
export type Framing = 'ndjson' | 'content-length';

/** Why a stream stopped yielding messages. */
export type FrameErrorReason = 'too_large' | 'bad_header' | 'truncated';

export type Frame =
  | { kind: 'message'; text: string }
  | { kind: 'error'; reason: FrameErrorReason; message: string };

/**
 * Turns a byte stream into message texts. Bytes are kept until a message is
 * whole, so a multi-byte character split across chunks decodes intact.
 * After an error frame the decoder yields nothing more: the stream cannot
 * be resynchronised.
 */
export interface FrameDecoder {
  push(chunk: Uint8Array): Frame[];
  /** What is left when the peer stops sending. */
  end(): Frame[];
}

export interface DecoderOptions {
  /** The largest message accepted, in bytes; 16 MiB when omitted. */
  maxMessageBytes?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export function describeSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export function tooLarge(maxMessageBytes: number): Frame {
  return {
    kind: 'error',
    reason: 'too_large',
    message:
      `message larger than ${describeSize(maxMessageBytes)}; ` +
      'the connection is closed because the stream cannot be resynchronised',
  };
}

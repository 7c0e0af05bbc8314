import {
  DEFAULT_MAX_MESSAGE_BYTES,
  tooLarge,
  type DecoderOptions,
  type Frame,
  type FrameDecoder,
} from './frame.js';

const NEWLINE = 0x0a;

/**
 * Newline-delimited JSON: one message per line. A trailing `\r` is dropped
 * and blank lines are skipped; a last line without its newline is still a
 * message when the stream ends.
 */
export class NdjsonDecoder implements FrameDecoder {
  private readonly maxMessageBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(options: DecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) return [];

    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const frames: Frame[] = [];
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) break;

      const line = this.takeLine(bytes.subarray(start, newline));
      start = newline + 1;
      if (line.length > this.maxMessageBytes) return this.fail(frames);
      pushLine(frames, line);
    }

    if (start < bytes.length) {
      this.pending.push(bytes.subarray(start));
      this.pendingBytes += bytes.length - start;
      if (this.pendingBytes > this.maxMessageBytes) return this.fail(frames);
    }
    return frames;
  }

  end(): Frame[] {
    if (this.failed || this.pendingBytes === 0) return [];

    const frames: Frame[] = [];
    pushLine(frames, this.takeLine(Buffer.alloc(0)));
    return frames;
  }

  // Joins what was kept from earlier chunks with the end of this line.
  private takeLine(tail: Buffer): Buffer {
    if (this.pendingBytes === 0) return tail;

    const line = Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  private fail(frames: Frame[]): Frame[] {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    frames.push(tooLarge(this.maxMessageBytes));
    return frames;
  }
}

function pushLine(frames: Frame[], line: Buffer): void {
  const text = line.toString('utf8');
  if (text.trim() === '') return;

  frames.push({ kind: 'message', text: text.replace(/\r$/, '') });
}

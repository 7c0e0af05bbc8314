import {
  DEFAULT_MAX_MESSAGE_BYTES,
  tooLarge,
  type DecoderOptions,
  type Frame,
  type FrameDecoder,
} from './frame.js';

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 8192;

/**
 * `Content-Length:` framing as in the Language Server Protocol. Header
 * names are case-insensitive, other headers (Content-Type) are ignored,
 * and stray line breaks between messages are skipped.
 */
export class ContentLengthDecoder implements FrameDecoder {
  private readonly maxMessageBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bodyBytes: number | undefined;
  private failed = false;

  constructor(options: DecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) return [];

    this.pending.push(
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      const frame =
        this.bodyBytes === undefined ? this.readHeader() : this.readBody();
      if (frame === undefined) break;

      frames.push(frame);
      if (frame.kind === 'error') return this.fail(frames);
    }
    return frames;
  }

  end(): Frame[] {
    if (this.failed) return [];

    const rest = Buffer.concat(this.pending).toString('latin1');
    if (this.bodyBytes === undefined && rest.trim() === '') return [];

    return this.fail([
      {
        kind: 'error',
        reason: 'truncated',
        message: 'the stream ended inside a message',
      },
    ]);
  }

  // Returns undefined when more bytes are needed, or an error frame.
  private readHeader(): Frame | undefined {
    const buffered = this.join();
    const start = skipLineBreaks(buffered);
    const end = buffered.indexOf(HEADER_END, start);
    if (end === -1) {
      return buffered.length - start > MAX_HEADER_BYTES
        ? badHeader(`header larger than ${MAX_HEADER_BYTES} bytes`)
        : undefined;
    }

    const length = parseContentLength(
      buffered.subarray(start, end).toString('latin1'),
    );
    if (typeof length === 'string') return badHeader(length);
    if (length > this.maxMessageBytes) return tooLarge(this.maxMessageBytes);

    this.keep(buffered.subarray(end + HEADER_END.length));
    this.bodyBytes = length;
    return this.readBody();
  }

  private readBody(): Frame | undefined {
    const length = this.bodyBytes ?? 0;
    if (this.pendingBytes < length) return undefined;

    const buffered = this.join();
    this.keep(buffered.subarray(length));
    this.bodyBytes = undefined;
    return { kind: 'message', text: buffered.toString('utf8', 0, length) };
  }

  private join(): Buffer {
    const joined =
      this.pending.length === 1
        ? this.pending[0]!
        : Buffer.concat(this.pending);
    this.pending = [joined];
    return joined;
  }

  private keep(rest: Buffer): void {
    this.pending = rest.length === 0 ? [] : [rest];
    this.pendingBytes = rest.length;
  }

  private fail(frames: Frame[]): Frame[] {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return frames;
  }
}

function skipLineBreaks(buffered: Buffer): number {
  let start = 0;
  while (buffered[start] === 0x0d || buffered[start] === 0x0a) start += 1;
  return start;
}

// The body length, or what is wrong with the header.
function parseContentLength(header: string): number | string {
  let length: number | string = 'missing Content-Length header';
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) return `malformed header line "${line.slice(0, 80)}"`;

    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name !== 'content-length') continue;

    if (!/^\d{1,15}$/.test(value)) {
      return `Content-Length "${value.slice(0, 20)}" is not a byte count`;
    }
    length = Number(value);
  }
  return length;
}

function badHeader(message: string): Frame {
  return { kind: 'error', reason: 'bad_header', message };
}

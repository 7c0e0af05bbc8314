import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Message } from 'vscode-jsonrpc/node';
import {
  ContentLengthDecoder,
  FramedMessageReader,
  FramedMessageWriter,
  NdjsonDecoder,
  detectFraming,
  encodeFrame,
  type Frame,
  type FrameDecoder,
} from '../../protocol/framing/index.js';

// Feeds the bytes in pieces of `size` and gathers every frame.
function feed(decoder: FrameDecoder, bytes: Buffer, size: number): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    frames.push(...decoder.push(bytes.subarray(at, at + size)));
  }
  return [...frames, ...decoder.end()];
}

const texts = (frames: Frame[]): string[] =>
  frames.map((f) => (f.kind === 'message' ? f.text : `error:${f.reason}`));

const messages = ['{"a":"été ✓ 🎉"}', '{"b":[1,2,3]}', '{"c":"日本語"}'];

describe('NDJSON decoding', () => {
  it.each([1, 2, 3, 7, 1000])(
    'reads whole messages fed %i bytes at a time, multi-byte characters intact',
    (size) => {
      const bytes = Buffer.from(messages.join('\n') + '\n');

      expect(texts(feed(new NdjsonDecoder(), bytes, size))).toEqual(messages);
    },
  );

  it('reads a last line without its newline when the stream ends', () => {
    const decoder = new NdjsonDecoder();

    expect(decoder.push(Buffer.from('{"x":1}\n{"y":2}'))).toHaveLength(1);
    expect(texts(decoder.end())).toEqual(['{"y":2}']);
  });

  it('drops carriage returns and skips blank lines', () => {
    const bytes = Buffer.from('\r\n{"x":1}\r\n\n   \n{"y":2}\n');

    expect(texts(feed(new NdjsonDecoder(), bytes, 4))).toEqual([
      '{"x":1}',
      '{"y":2}',
    ]);
  });

  it('reports a line over the size limit once, then yields nothing', () => {
    const decoder = new NdjsonDecoder({ maxMessageBytes: 10 });
    const frames = feed(
      decoder,
      Buffer.from('{"ok":1}\n{"too":"long..."}\n{}\n'),
      5,
    );

    expect(texts(frames)).toEqual(['{"ok":1}', 'error:too_large']);
  });

  it('reports an endless line without waiting for its newline', () => {
    const decoder = new NdjsonDecoder({ maxMessageBytes: 100 });

    expect(texts(decoder.push(Buffer.alloc(101, 0x61)))).toEqual([
      'error:too_large',
    ]);
  });
});

const framed = (body: string, header = 'Content-Length'): string =>
  `${header}: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('Content-Length decoding', () => {
  it.each([1, 2, 5, 13, 1000])(
    'reads whole messages fed %i bytes at a time, multi-byte characters intact',
    (size) => {
      const bytes = Buffer.from(messages.map((m) => framed(m)).join(''));

      expect(texts(feed(new ContentLengthDecoder(), bytes, size))).toEqual(
        messages,
      );
    },
  );

  it.each(['content-length', 'CONTENT-LENGTH', 'Content-length'])(
    'accepts the header spelled %s',
    (header) => {
      const frames = feed(
        new ContentLengthDecoder(),
        Buffer.from(framed('{}', header)),
        3,
      );

      expect(texts(frames)).toEqual(['{}']);
    },
  );

  it('ignores other headers such as Content-Type', () => {
    const bytes = Buffer.from(
      'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n' +
        framed('{"z":0}'),
    );

    expect(texts(feed(new ContentLengthDecoder(), bytes, 8))).toEqual([
      '{"z":0}',
    ]);
  });

  it.each([
    ['a missing Content-Length', 'Content-Type: x\r\n\r\n{}', 'bad_header'],
    [
      'a length that is not a number',
      'Content-Length: ten\r\n\r\n{}',
      'bad_header',
    ],
    [
      'a header line without a colon',
      'Content-Length 2\r\n\r\n{}',
      'bad_header',
    ],
    ['a body cut short', 'Content-Length: 10\r\n\r\n{}', 'truncated'],
    ['a header cut short', 'Content-Len', 'truncated'],
    ['a length over the limit', 'Content-Length: 999999\r\n\r\n', 'too_large'],
  ])('reports %s', (_name, input, reason) => {
    const decoder = new ContentLengthDecoder({ maxMessageBytes: 1000 });

    expect(texts(feed(decoder, Buffer.from(input), 4))).toEqual([
      `error:${reason}`,
    ]);
  });

  it('reports an endless header instead of buffering it', () => {
    const decoder = new ContentLengthDecoder();

    expect(
      texts(decoder.push(Buffer.from(`X-Pad: ${'p'.repeat(9000)}`))),
    ).toEqual(['error:bad_header']);
  });
});

describe('framing detection', () => {
  it.each([
    ['{"jsonrpc":"2.0"}', 'ndjson'],
    ['[{}]', 'ndjson'],
    ['  \r\n\t{"a":1}', 'ndjson'],
    ['Content-Length: 2', 'content-length'],
    ['1', 'content-length'],
    ['   ', undefined],
  ])('reads %j as %s', (input, framing) => {
    expect(detectFraming(Buffer.from(input))).toBe(framing);
  });
});

describe('encoding', () => {
  it('frames a message so the matching decoder reads it back', () => {
    const text = '{"π":"3.14 ✓"}';

    for (const decoder of [new NdjsonDecoder(), new ContentLengthDecoder()]) {
      const framing =
        decoder instanceof NdjsonDecoder ? 'ndjson' : 'content-length';
      const frames = feed(decoder, encodeFrame(framing, text), 3);
      expect(texts(frames)).toEqual([text]);
    }
  });

  it('counts bytes, not characters, in Content-Length', () => {
    const frame = encodeFrame('content-length', '"é"').toString('utf8');

    expect(frame).toBe('Content-Length: 4\r\n\r\n"é"');
  });
});

describe('vscode-jsonrpc reader and writer', () => {
  it.each(['ndjson', 'content-length'] as const)(
    'carry messages across a stream in %s framing',
    async (framing) => {
      const stream = new PassThrough();
      const reader = new FramedMessageReader(stream, { framing: 'detect' });
      const writer = new FramedMessageWriter(stream, framing);
      const received: Message[] = [];
      reader.listen((message) => received.push(message));

      const sent = [
        { jsonrpc: '2.0', id: 1, method: 'a', params: { s: 'ü' } },
        { jsonrpc: '2.0', method: 'b' },
      ];
      for (const message of sent) await writer.write(message);
      await new Promise((done) => setImmediate(done));

      expect(received).toEqual(sent);
    },
  );

  it('delivers each reply of a batch and reports text that is not JSON', async () => {
    const stream = new PassThrough();
    const reader = new FramedMessageReader(stream, { framing: 'ndjson' });
    const received: Message[] = [];
    const errors: Error[] = [];
    reader.listen((message) => received.push(message));
    reader.onError((error) => errors.push(error));

    stream.write('[{"jsonrpc":"2.0","id":1,"result":1},');
    stream.write('{"jsonrpc":"2.0","id":2,"result":2}]\nnot json\n');
    await new Promise((done) => setImmediate(done));

    expect(received.map((m) => (m as unknown as { id: number }).id)).toEqual([
      1, 2,
    ]);
    expect(errors).toHaveLength(1);
  });
});

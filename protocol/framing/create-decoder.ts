import { ContentLengthDecoder } from './content-length-decoder.js';
import type { DecoderOptions, FrameDecoder, Framing } from './frame.js';
import { NdjsonDecoder } from './ndjson-decoder.js';

export function createDecoder(
  framing: Framing,
  options: DecoderOptions = {},
): FrameDecoder {
  return framing === 'ndjson'
    ? new NdjsonDecoder(options)
    : new ContentLengthDecoder(options);
}

/**
 * The two framings of the wire, usable by both ends: decoders that turn
 * bytes into message texts, an encoder, and vscode-jsonrpc readers and
 * writers built on them.
 */
export { ContentLengthDecoder } from './content-length-decoder.js';
export { createDecoder } from './create-decoder.js';
export { detectFraming } from './detect-framing.js';
export { encodeFrame } from './encode-frame.js';
export { DEFAULT_MAX_MESSAGE_BYTES, describeSize } from './frame.js';
export type {
  DecoderOptions,
  Frame,
  FrameDecoder,
  FrameErrorReason,
  Framing,
} from './frame.js';
export { FramedMessageReader } from './framed-message-reader.js';
export type { FramedReaderOptions } from './framed-message-reader.js';
export { FramedMessageWriter } from './framed-message-writer.js';
export { NdjsonDecoder } from './ndjson-decoder.js';

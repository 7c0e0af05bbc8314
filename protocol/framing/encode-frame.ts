import type { Framing } from './frame.js';

const NEWLINE = Buffer.from('\n');

/** One message's JSON text, framed for the wire. */
export function encodeFrame(framing: Framing, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  if (framing === 'ndjson') return Buffer.concat([body, NEWLINE]);

  const header = `Content-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(header, 'ascii'), body]);
}

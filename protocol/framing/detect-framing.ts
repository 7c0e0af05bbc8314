import type { Framing } from './frame.js';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The framing a connection speaks, from its first significant byte: `{` or
 * `[` open newline-delimited JSON, anything else is a `Content-Length:`
 * header. Leading whitespace is skipped, since a blank line before the
 * first JSON line is harmless and no header starts with a space; undefined
 * means only whitespace has arrived so far.
 */
export function detectFraming(chunk: Uint8Array): Framing | undefined {
  for (const byte of chunk) {
    if (WHITESPACE.has(byte)) continue;

    return byte === 0x7b || byte === 0x5b ? 'ndjson' : 'content-length';
  }
  return undefined;
}

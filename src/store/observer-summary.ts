/**
 * Counts the observer timeline's events while the file is being copied,
 * so it is read once for copy, hash and summary, and never held in memory.
 *
 * What counts: each line that parses as a JSON object, under its `event`
 * when that is a string, else under "unknown". Anything else (blank lines,
 * invalid JSON, JSON that is not an object) is skipped, as the original
 * skipped lines it could not parse. Invalid UTF-8 is decoded with
 * replacement characters. A line longer than MAX_LINE_BYTES is skipped
 * without being buffered, which bounds memory per capture.
 */
import type { ObserverSummary } from '../../protocol/index.js';

/** The file whose events are counted. */
export const OBSERVER_TIMELINE = '.marianne-observer.jsonl';

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;

export class ObserverCounter {
  readonly #counts = new Map<string, number>();
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #overlong = false;
  #total = 0;

  /** Feeds the next bytes of the timeline. */
  push(chunk: Uint8Array): void {
    let start = 0;

    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      this.#append(chunk.subarray(start, newline));
      this.#endLine();
      start = newline + 1;
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
  }

  /** The summary, or null when no event was counted (as the original). */
  finish(): ObserverSummary | null {
    this.#endLine();
    if (this.#total === 0) return null;
    return {
      total_events: this.#total,
      by_type: Object.fromEntries(this.#counts),
    };
  }

  #append(bytes: Uint8Array): void {
    if (this.#overlong || bytes.length === 0) return;
    if (this.#pendingBytes + bytes.length > MAX_LINE_BYTES) {
      this.#overlong = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    // Copied: the chunk's buffer may be reused by the stream.
    this.#pending.push(Uint8Array.from(bytes));
    this.#pendingBytes += bytes.length;
  }

  #endLine(): void {
    const parts = this.#pending;
    const overlong = this.#overlong;

    this.#pending = [];
    this.#pendingBytes = 0;
    this.#overlong = false;
    if (overlong || parts.length === 0) return;

    const line = this.#decoder.decode(Buffer.concat(parts));
    const event = eventOf(line);
    if (event === null) return;
    this.#total += 1;
    this.#counts.set(event, (this.#counts.get(event) ?? 0) + 1);
  }
}

// The event type of one line, or null when the line is not counted.
function eventOf(line: string): string | null {
  let record: unknown;

  try {
    record = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  if (Array.isArray(record)) return null;

  const event = (record as { event?: unknown }).event;
  return typeof event === 'string' ? event : 'unknown';
}

/** Passes chunks through unchanged while the counter sees them. */
export async function* countWhileReading(
  source: AsyncIterable<Uint8Array>,
  counter: ObserverCounter,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    counter.push(chunk);
    yield chunk;
  }
}

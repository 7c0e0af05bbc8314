import type { ProgressValue } from '../../protocol/index.js';

const MIN_INTERVAL_MS = 100;

/**
 * Passes progress on at most every 100 ms, so a store that reports each
 * file does not flood a slow client; the latest value is always sent when
 * the operation ends, so the last word is never lost.
 */
export class ProgressReporter {
  private lastSentAt = 0;
  private pending: ProgressValue | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (value: ProgressValue) => void) {}

  readonly report = (value: ProgressValue): void => {
    const wait = this.lastSentAt + MIN_INTERVAL_MS - Date.now();
    if (wait <= 0 && !this.timer) return this.sendNow(value);

    this.pending = value;
    this.timer ??= setTimeout(() => this.flush(), Math.max(wait, 0));
  };

  /** Sends what is still held back; called when the operation ends. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) this.sendNow(this.pending);
  }

  private sendNow(value: ProgressValue): void {
    this.pending = undefined;
    this.lastSentAt = Date.now();
    this.send(value);
  }
}

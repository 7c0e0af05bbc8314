import type { RetentionPolicy, SnapshotStore } from '../store/api.js';
import type { Logger } from './logger.js';

export interface RetentionTimerOptions {
  store: SnapshotStore;
  log: Logger;
  intervalMs: number;
  policy: RetentionPolicy;
}

export interface RetentionTimer {
  /** Stops the timer and cancels a pass that is running. */
  stop(): Promise<void>;
}

/**
 * Expires snapshots in the background: one pass at start, then one per
 * interval, never two at once. A pass runs beside requests, not in their
 * way: the store works asynchronously and requests do not wait for it.
 */
export function startRetentionTimer(
  options: RetentionTimerOptions,
): RetentionTimer {
  const { store, log, policy } = options;
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const runPass = async (): Promise<void> => {
    controller = new AbortController();
    const started = performance.now();
    try {
      const result = await store.expire(policy, { signal: controller.signal });
      log.info(
        {
          removed: result.removed,
          freed_bytes: result.freed_bytes,
          ms: Math.round(performance.now() - started),
        },
        'retention.expired',
      );
    } catch (err) {
      if (controller.signal.aborted) return;
      log.error({ err }, 'retention.failed');
    }
  };
  const tick = (): void => {
    if (running || stopped) return;
    running = runPass().finally(() => {
      running = undefined;
    });
  };

  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  setImmediate(tick);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      controller?.abort();
      await running;
    },
  };
}

/**
 * What the store's operations share: the backend, the cheap catalog over
 * it, the logger, reader leases and the trash purger. The manager holds
 * one of each and passes them to the operation modules, which stay plain
 * functions that tests can call on their own.
 */
import type { Logger } from 'pino';
import type { StoreBackend } from './backend.js';
import type { Catalog } from './catalog.js';
import type { LeaseRegistry } from './leases.js';
import type { TrashPurger } from './removal.js';

export interface StoreContext {
  backend: StoreBackend;
  catalog: Catalog;
  logger: Logger;
  leases: LeaseRegistry;
  purger: TrashPurger;
}

/**
 * Runs `work` over `items`, at most `limit` at a time, results in order.
 * After a failure no new item starts, and the first failure is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let hasFailed = false;

  const runWorker = async (): Promise<void> => {
    while (next < items.length && !hasFailed) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (err) {
        hasFailed = true;
        throw err;
      }
    }
  };
  const workers = Math.min(limit, items.length);
  await Promise.all(Array.from({ length: workers }, runWorker));
  return results;
}

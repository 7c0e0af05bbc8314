import { describe, expect, it } from 'vitest';
import type { RetentionPolicy } from '../../src/store/api.js';
import { compareCaptureOrder } from '../../src/store/layout.js';
import {
  decideRemovals,
  keyOf,
  type InventoryEntry,
} from '../../src/store/retention.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 10);
const RUNS = 500;

// A small seeded generator (mulberry32), so a failure can be replayed.
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateCase(seed: number): {
  inventory: InventoryEntry[];
  policy: RetentionPolicy;
} {
  const random = createRandom(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const jobs = ['a', 'b', 'c', 'd'].slice(0, 1 + pick(4));
  const inventory: InventoryEntry[] = [];

  for (let i = 0, count = pick(40); i < count; i++) {
    // Few distinct times, so equal timestamps and id tie-breaks occur.
    const createdAtMs = NOW - pick(30) * 12 * HOUR;
    inventory.push({
      jobId: jobs[pick(jobs.length)]!,
      id: `ID${String(i).padStart(4, '0')}${pick(10)}`,
      createdAtMs,
      bytes: pick(1000),
      pinned: random() < 0.1,
      leased: random() < 0.05,
    });
  }

  const total = inventory.reduce((sum, e) => sum + e.bytes, 0);
  const policy: RetentionPolicy = {};
  if (random() < 0.7) policy.maxAgeHours = pick(400);
  if (random() < 0.5) policy.keepLast = pick(4);
  if (random() < 0.6) policy.maxTotalBytes = pick(total + 1);
  if (random() < 0.3) policy.jobId = jobs[pick(jobs.length)]!;
  return { inventory, policy };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = createRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

// The newest `keepLast` of every job, by capture order.
function findNewest(
  inventory: InventoryEntry[],
  keepLast: number,
): Set<string> {
  const newest = new Set<string>();
  if (keepLast === 0) return newest;
  const jobs = new Set(inventory.map((e) => e.jobId));
  for (const job of jobs) {
    inventory
      .filter((e) => e.jobId === job)
      .sort(compareCaptureOrder)
      .slice(-keepLast)
      .forEach((e) => newest.add(keyOf(e)));
  }
  return newest;
}

describe('decideRemovals over generated inventories', () => {
  const seeds = Array.from({ length: RUNS }, (_, i) => i + 1);

  it.each(seeds)('keeps every rule for seed %i', (seed) => {
    const { inventory, policy } = generateCase(seed);
    const removals = decideRemovals(inventory, policy, NOW);
    const removed = new Set(removals.map(keyOf));
    const byKey = new Map(inventory.map((e) => [keyOf(e), e]));
    const cutoff = NOW - (policy.maxAgeHours ?? 168) * HOUR;
    const newest = findNewest(inventory, policy.keepLast ?? 0);
    const isCandidate = (e: InventoryEntry): boolean =>
      !e.pinned &&
      !e.leased &&
      !newest.has(keyOf(e)) &&
      (policy.jobId === undefined || e.jobId === policy.jobId);

    // The same inputs in another order give the same decision.
    const again = decideRemovals(shuffle(inventory, seed), policy, NOW);
    expect(again).toEqual(removals);

    // Each snapshot at most once; only allowed ones.
    expect(removed.size).toBe(removals.length);
    for (const removal of removals) {
      const e = byKey.get(keyOf(removal))!;
      expect(isCandidate(e)).toBe(true);
      expect(removal.bytes).toBe(e.bytes);
    }

    // Age: exactly the allowed snapshots older than the cutoff.
    const expired = inventory
      .filter((e) => isCandidate(e) && e.createdAtMs < cutoff)
      .map(keyOf)
      .sort();
    const byAge = removals.filter((r) => r.reason === 'max_age');
    expect(byAge.map(keyOf).sort()).toEqual(expired);

    // Quota: oldest first, stops as soon as the store fits.
    const byQuota = removals.filter((r) => r.reason === 'quota');
    const total = inventory.reduce((sum, e) => sum + e.bytes, 0);
    const freed = removals.reduce((sum, r) => sum + r.bytes, 0);
    const remaining = inventory.filter(
      (e) => isCandidate(e) && !removed.has(keyOf(e)),
    );
    if (policy.maxTotalBytes === undefined) {
      expect(byQuota).toEqual([]);
      return;
    }
    expect(
      total - freed <= policy.maxTotalBytes || remaining.length === 0,
    ).toBe(true);
    const last = byQuota.at(-1);
    if (last !== undefined) {
      expect(total - freed + last.bytes).toBeGreaterThan(policy.maxTotalBytes);
      const lastEntry = byKey.get(keyOf(last))!;
      for (const kept of remaining) {
        expect(compareCaptureOrder(kept, lastEntry)).toBeGreaterThan(0);
      }
    }
  });
});

/**
 * The retention decision, as a pure function of what the store holds, the
 * policy and the clock. A dry run and a real run call the same function
 * with the same inventory, so a real run removes exactly what the dry run
 * listed.
 *
 * Rules, in order:
 * 1. Pinned snapshots and snapshots held by a reader are never chosen.
 * 2. A job's newest `keepLast` snapshots (pinned ones included in the
 *    count) are never chosen, whatever their age.
 * 3. `max_age`: a snapshot captured before `now - maxAgeHours` goes.
 * 4. `quota`: while the store's total size is over `maxTotalBytes`, the
 *    oldest remaining snapshot that rules 1 and 2 allow goes, across jobs.
 *
 * With `jobId`, only that job's snapshots are chosen, but the quota still
 * counts the whole store: `max_total_bytes` always means the store's size,
 * so a scoped run removes from that job only what the store needs to fit.
 */
import { SnapshotError } from '../../protocol/index.js';
import type { RetentionPolicy } from './api.js';
import { compareCaptureOrder } from './layout.js';

/** The original's default age limit: one week. */
export const DEFAULT_MAX_AGE_HOURS = 168;

/** What retention needs to know about one snapshot. */
export interface InventoryEntry {
  jobId: string;
  id: string;
  /** Capture time in milliseconds since the epoch. */
  createdAtMs: number;
  bytes: number;
  pinned: boolean;
  /** Held by a reader (restore, verify, diff): kept this round. */
  leased: boolean;
}

/** A snapshot chosen for removal, and the rule that chose it. */
export interface Removal {
  jobId: string;
  id: string;
  reason: 'max_age' | 'quota';
  bytes: number;
}

// The library takes policies without the wire's schema in front of it.
export function checkPolicy(policy: RetentionPolicy): void {
  const limits: [keyof RetentionPolicy, unknown, boolean][] = [
    ['maxAgeHours', policy.maxAgeHours, false],
    ['keepLast', policy.keepLast, true],
    ['maxTotalBytes', policy.maxTotalBytes, true],
  ];

  for (const [field, value, integer] of limits) {
    if (value === undefined) continue;
    const isValid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= 0 &&
      (!integer || Number.isInteger(value));
    if (!isValid) {
      throw new SnapshotError(
        'INVALID_PARAMS',
        `${field} must be a non-negative ${integer ? 'integer' : 'number'}`,
        { field: toWireName(field) },
      );
    }
  }
}

function toWireName(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Chooses the snapshots the policy removes; never mutates its input. */
export function decideRemovals(
  inventory: readonly InventoryEntry[],
  policy: RetentionPolicy,
  now: number,
): Removal[] {
  const maxAgeHours = policy.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  const cutoffMs = now - maxAgeHours * 3_600_000;
  if (policy.maxTotalBytes === undefined) {
    return decideByAge(inventory, policy, cutoffMs);
  }

  const ordered = [...inventory].sort(compareCaptureOrder);
  const protectedKeys = findProtected(ordered, policy.keepLast ?? 0);
  const isRemovable = (entry: InventoryEntry): boolean =>
    (policy.jobId === undefined || entry.jobId === policy.jobId) &&
    !protectedKeys.has(keyOf(entry));

  const removals: Removal[] = [];
  const chosen = new Set<string>();
  let totalBytes = 0;
  for (const entry of ordered) {
    totalBytes += entry.bytes;
    if (isRemovable(entry) && entry.createdAtMs < cutoffMs) {
      removals.push(toRemoval(entry, 'max_age'));
      chosen.add(keyOf(entry));
      totalBytes -= entry.bytes;
    }
  }

  const quota = policy.maxTotalBytes;
  if (quota === undefined) return removals;
  for (const entry of ordered) {
    if (totalBytes <= quota) break;
    if (!isRemovable(entry) || chosen.has(keyOf(entry))) continue;
    removals.push(toRemoval(entry, 'quota'));
    totalBytes -= entry.bytes;
  }
  return removals;
}

// Without a quota, only the snapshots past the age limit need ordering:
// the same choice as the full pass, without sorting the whole store.
function decideByAge(
  inventory: readonly InventoryEntry[],
  policy: RetentionPolicy,
  cutoffMs: number,
): Removal[] {
  const keptNewest = findNewestPerJob(inventory, policy.keepLast ?? 0);
  const chosen = inventory.filter(
    (entry) =>
      entry.createdAtMs < cutoffMs &&
      (policy.jobId === undefined || entry.jobId === policy.jobId) &&
      !entry.pinned &&
      !entry.leased &&
      !keptNewest.has(keyOf(entry)),
  );
  return chosen
    .sort(compareCaptureOrder)
    .map((entry) => toRemoval(entry, 'max_age'));
}

// Each job's newest `keepLast` snapshots, pinned ones included.
function findNewestPerJob(
  inventory: readonly InventoryEntry[],
  keepLast: number,
): Set<string> {
  const kept = new Set<string>();
  if (keepLast === 0) return kept;

  const perJob = new Map<string, InventoryEntry[]>();
  for (const entry of inventory) {
    const entries = perJob.get(entry.jobId);
    if (entries) entries.push(entry);
    else perJob.set(entry.jobId, [entry]);
  }
  for (const entries of perJob.values()) {
    const newest = entries.sort(compareCaptureOrder).slice(-keepLast);
    for (const entry of newest) kept.add(keyOf(entry));
  }
  return kept;
}

// Pins, leases and each job's newest `keepLast` snapshots.
function findProtected(
  ordered: readonly InventoryEntry[],
  keepLast: number,
): Set<string> {
  const kept = new Set<string>();
  const seenPerJob = new Map<string, number>();

  for (let i = ordered.length - 1; i >= 0; i--) {
    const entry = ordered[i]!;
    const seen = seenPerJob.get(entry.jobId) ?? 0;
    seenPerJob.set(entry.jobId, seen + 1);
    if (entry.pinned || entry.leased || seen < keepLast) {
      kept.add(keyOf(entry));
    }
  }
  return kept;
}

function toRemoval(entry: InventoryEntry, reason: Removal['reason']): Removal {
  return { jobId: entry.jobId, id: entry.id, reason, bytes: entry.bytes };
}

/** A snapshot's key in sets and maps: job and id are both path-safe. */
export function keyOf(entry: { jobId: string; id: string }): string {
  return `${entry.jobId}/${entry.id}`;
}

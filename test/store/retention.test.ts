import { describe, expect, it } from 'vitest';
import type { RetentionPolicy } from '../../src/store/api.js';
import {
  checkPolicy,
  decideRemovals,
  type InventoryEntry,
} from '../../src/store/retention.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 10);

// A snapshot `hoursAgo` old; ids follow capture order within the table.
function entry(
  jobId: string,
  hoursAgo: number,
  extra: Partial<InventoryEntry> = {},
): InventoryEntry {
  const createdAtMs = NOW - hoursAgo * HOUR;
  return {
    jobId,
    id: `S${String(createdAtMs).padStart(15, '0')}`,
    createdAtMs,
    bytes: 100,
    pinned: false,
    leased: false,
    ...extra,
  };
}

function decide(
  inventory: InventoryEntry[],
  policy: RetentionPolicy,
): string[] {
  return decideRemovals(inventory, policy, NOW).map(
    (r) =>
      `${r.jobId}@${(NOW - inventoryTime(inventory, r.id)) / HOUR}h:${r.reason}`,
  );
}

function inventoryTime(inventory: InventoryEntry[], id: string): number {
  return inventory.find((e) => e.id === id)!.createdAtMs;
}

describe('decideRemovals', () => {
  const cases: {
    name: string;
    inventory: InventoryEntry[];
    policy: RetentionPolicy;
    removed: string[];
  }[] = [
    {
      name: 'removes what is older than the default week, nothing newer',
      inventory: [entry('a', 169), entry('a', 167), entry('b', 500)],
      policy: {},
      removed: ['b@500h:max_age', 'a@169h:max_age'],
    },
    {
      name: 'keeps a snapshot exactly at the age limit, as the original',
      inventory: [entry('a', 24), entry('a', 25)],
      policy: { maxAgeHours: 24 },
      removed: ['a@25h:max_age'],
    },
    {
      name: 'removes everything with an age limit of zero',
      inventory: [entry('a', 1), entry('b', 0.5)],
      policy: { maxAgeHours: 0 },
      removed: ['a@1h:max_age', 'b@0.5h:max_age'],
    },
    {
      name: 'never removes a pinned snapshot, whatever its age',
      inventory: [entry('a', 900, { pinned: true }), entry('a', 800)],
      policy: {},
      removed: ['a@800h:max_age'],
    },
    {
      name: 'leaves a snapshot held by a reader for a later round',
      inventory: [entry('a', 900, { leased: true }), entry('a', 800)],
      policy: {},
      removed: ['a@800h:max_age'],
    },
    {
      name: "keeps each job's newest N whatever their age",
      inventory: [
        entry('a', 300),
        entry('a', 200),
        entry('a', 100),
        entry('b', 400),
      ],
      policy: { maxAgeHours: 1, keepLast: 2 },
      removed: ['a@300h:max_age'],
    },
    {
      name: 'counts pinned snapshots among the newest N',
      inventory: [
        entry('a', 300),
        entry('a', 200),
        entry('a', 100, { pinned: true }),
      ],
      policy: { maxAgeHours: 1, keepLast: 2 },
      removed: ['a@300h:max_age'],
    },
    {
      name: 'touches only the named job',
      inventory: [entry('a', 300), entry('b', 300)],
      policy: { jobId: 'b' },
      removed: ['b@300h:max_age'],
    },
    {
      name: 'enforces the quota oldest first across jobs',
      inventory: [
        entry('a', 5),
        entry('b', 4),
        entry('a', 3),
        entry('b', 2),
        entry('a', 1),
      ],
      policy: { maxTotalBytes: 250 },
      removed: ['a@5h:quota', 'b@4h:quota', 'a@3h:quota'],
    },
    {
      name: 'removes nothing for a quota the store already fits',
      inventory: [entry('a', 5), entry('b', 4)],
      policy: { maxTotalBytes: 200 },
      removed: [],
    },
    {
      name: 'counts age removals before the quota',
      inventory: [entry('a', 200), entry('a', 5), entry('b', 4)],
      policy: { maxTotalBytes: 150 },
      removed: ['a@200h:max_age', 'a@5h:quota'],
    },
    {
      name: 'respects pins and keep_last under the quota',
      inventory: [
        entry('a', 6, { pinned: true }),
        entry('a', 5),
        entry('b', 4),
        entry('a', 3),
        entry('b', 2),
      ],
      policy: { maxTotalBytes: 0, keepLast: 1 },
      removed: ['a@5h:quota', 'b@4h:quota'],
    },
    {
      name: 'counts the whole store but removes only from the named job',
      inventory: [entry('a', 6), entry('b', 5), entry('b', 4), entry('a', 3)],
      policy: { maxTotalBytes: 200, jobId: 'b' },
      removed: ['b@5h:quota', 'b@4h:quota'],
    },
    {
      name: 'stops at the quota even when it cannot be reached',
      inventory: [entry('a', 2, { pinned: true }), entry('a', 1)],
      policy: { maxTotalBytes: 10 },
      removed: ['a@1h:quota'],
    },
  ];

  it.each(cases)('$name', ({ inventory, policy, removed }) => {
    expect(decide(inventory, policy)).toEqual(removed);
  });

  it('reports the bytes of each removed snapshot', () => {
    const inventory = [entry('a', 300, { bytes: 1234 })];

    const [removal] = decideRemovals(inventory, {}, NOW);

    expect(removal).toMatchObject({ bytes: 1234, reason: 'max_age' });
  });

  it('does not reorder or change the inventory it is given', () => {
    const inventory = [entry('a', 1), entry('a', 300), entry('b', 200)];
    const before = structuredClone(inventory);

    decideRemovals(inventory, { maxTotalBytes: 0 }, NOW);

    expect(inventory).toEqual(before);
  });
});

describe('checkPolicy', () => {
  it.each([
    [{ maxAgeHours: -1 }, 'max_age_hours'],
    [{ maxAgeHours: Number.NaN }, 'max_age_hours'],
    [{ keepLast: 1.5 }, 'keep_last'],
    [{ keepLast: -2 }, 'keep_last'],
    [{ maxTotalBytes: Number.POSITIVE_INFINITY }, 'max_total_bytes'],
  ])('refuses %j naming %s', (policy, field) => {
    expect(() => checkPolicy(policy)).toThrow(
      expect.objectContaining({
        code: 'INVALID_PARAMS',
        data: { code: 'INVALID_PARAMS', field },
      }),
    );
  });

  it('accepts fractional hours and zero limits', () => {
    expect(() =>
      checkPolicy({ maxAgeHours: 0.5, keepLast: 0, maxTotalBytes: 0 }),
    ).not.toThrow();
  });
});

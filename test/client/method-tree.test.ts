import { describe, expect, expectTypeOf, it } from 'vitest';
import { METHODS, type ResultOf } from '../../protocol/index.js';
import type { SnapshotClient } from '../../src/client/index.js';
import {
  buildMethodTree,
  toCamelCase,
  type CallMethod,
} from '../../src/client/method-tree.js';

describe('the method tree', () => {
  it('has one function per wire method, each calling that method', async () => {
    const calls: unknown[][] = [];
    const call = ((...args: unknown[]) => {
      calls.push(args);
      return Promise.resolve(args[0]);
    }) as CallMethod;
    const tree = buildMethodTree(call) as unknown as Record<
      string,
      Record<string, (...args: unknown[]) => Promise<unknown>>
    >;

    for (const method of Object.keys(METHODS)) {
      const [namespace, member] = method.split('.') as [string, string];
      const fn = tree[namespace]?.[toCamelCase(member)];
      expect(fn, method).toBeTypeOf('function');
      expect(await fn!({ a: 1 }, { timeoutMs: 5 })).toBe(method);
    }

    const leaves = Object.values(tree).flatMap((branch) => Object.keys(branch));
    expect(leaves).toHaveLength(Object.keys(METHODS).length);
    expect(calls.at(-1)).toEqual([
      Object.keys(METHODS).at(-1),
      { a: 1 },
      { timeoutMs: 5 },
    ]);
  });

  it.each([
    ['list', 'list'],
    ['max_age_hours', 'maxAgeHours'],
    ['keep_last_2', 'keepLast2'],
  ])('names the member for %s %s', (name, expected) => {
    expect(toCamelCase(name)).toBe(expected);
  });

  it('types each function from its method schemas', () => {
    expectTypeOf<SnapshotClient['snapshot']['list']>()
      .parameter(0)
      .toEqualTypeOf<{ job_id: string; limit?: number | undefined }>();
    expectTypeOf<
      ReturnType<SnapshotClient['snapshot']['get']>
    >().resolves.toEqualTypeOf<ResultOf<'snapshot.get'>>();
    expectTypeOf<[]>().toExtend<
      Parameters<SnapshotClient['daemon']['health']>
    >();
    expectTypeOf<[]>().not.toExtend<
      Parameters<SnapshotClient['snapshot']['list']>
    >();
  });
});

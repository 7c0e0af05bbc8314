import { describe, expect, it } from 'vitest';
import {
  UlidFactory,
  createUlid,
  decodeUlidTime,
  isUlid,
} from '../../src/store/ulid.js';

describe('ULID ids', () => {
  it('are 26 Crockford base32 characters that carry their millisecond', () => {
    const factory = new UlidFactory(() => 1_700_000_000_123);

    const id = factory.next();

    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isUlid(id)).toBe(true);
    expect(decodeUlidTime(id)).toBe(1_700_000_000_123);
  });

  it('sort in creation order within one millisecond', () => {
    const factory = new UlidFactory(() => 42);

    const ids = Array.from({ length: 1000 }, () => factory.next());

    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('keep their order when the clock steps back', () => {
    let now = 2_000;
    const factory = new UlidFactory(() => now);

    const first = factory.next();
    now = 1_000;
    const second = factory.next();

    expect(second > first).toBe(true);
    expect(decodeUlidTime(second)).toBe(2_000);
  });

  it('differ between factories in the same millisecond (other hosts)', () => {
    const a = new UlidFactory(() => 5).next();
    const b = new UlidFactory(() => 5).next();

    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(a).not.toBe(b);
  });

  it('sort as the process made them over many calls', () => {
    const ids = Array.from({ length: 5000 }, () => createUlid());

    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    '',
    '01ARZ3NDEKTSV4RRFFQ69G5FA',
    '81ARZ3NDEKTSV4RRFFQ69G5FAV',
    '01ARZ3NDEKTSV4RRFFQ69G5FAU',
  ])('rejects %j as an id', (value) => {
    expect(isUlid(value)).toBe(false);
  });
});

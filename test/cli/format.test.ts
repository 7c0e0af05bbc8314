import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBytes,
  formatDuration,
  formatTimestamp,
  pluralize,
  renderFields,
  renderTable,
} from '../../src/cli/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1534, '1.5 kB'],
    [7_200_000, '7.2 MB'],
    [9_960_000, '10 MB'],
    [123_456_789, '123 MB'],
    [999_999_999, '1.0 GB'],
    [14e9, '14 GB'],
    [3.2e15, '3.2 PB'],
  ])('shows %i bytes as %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('formatAge', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it.each([
    [0, 'just now'],
    [4, 'just now'],
    [42, '42s ago'],
    [59, '59s ago'],
    [60, '1m ago'],
    [3_599, '59m ago'],
    [3 * 3_600 + 59, '3h ago'],
    [86_399, '23h ago'],
    [86_400, '1d ago'],
    [59 * 86_400, '59d ago'],
    [90 * 86_400, '3mo ago'],
    [800 * 86_400, '2y ago'],
    [-10, 'in the future'],
  ])('shows a time %i seconds back as %s', (seconds, expected) => {
    expect(formatAge(ago(seconds), now)).toBe(expected);
  });

  it('says unknown for a time it cannot read', () => {
    expect(formatAge(new Date('not a date'), now)).toBe('unknown');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45.9, '45s'],
    [192, '3m 12s'],
    [3_600, '1h'],
    [3_660, '1h 1m'],
    [3_661, '1h 1m'],
    [187_200, '2d 4h'],
    [86_401, '1d'],
  ])('shows %s seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatTimestamp', () => {
  it('shows a UTC time to the minute', () => {
    expect(formatTimestamp(new Date('2026-12-03T17:55:44.260Z'))).toBe(
      '2026-12-03 17:55Z',
    );
  });
});

describe('renderTable', () => {
  const rows = [
    { id: 'a', size: 5 },
    { id: 'longer-id', size: 1234 },
  ];

  it('pads columns two spaces apart and right-aligns numbers', () => {
    const lines = renderTable({
      columns: [
        { header: 'ID', value: (row) => row.id },
        { header: 'SIZE', value: (row) => String(row.size), align: 'right' },
        { header: 'NOTE', value: () => '' },
      ],
      rows,
    });

    expect(lines).toEqual([
      'ID         SIZE  NOTE',
      'a             5',
      'longer-id  1234',
    ]);
  });

  it('styles the header after padding, so widths hold', () => {
    const lines = renderTable({
      columns: [{ header: 'ID', value: (row: { id: string }) => row.id }],
      rows: [{ id: 'abcd' }],
      style: { header: (text) => `<${text}>` },
    });

    expect(lines).toEqual(['<ID>', 'abcd']);
  });
});

describe('renderFields', () => {
  it('aligns values in one column', () => {
    expect(
      renderFields([
        ['id', '1'],
        ['workspace', '/w'],
      ]),
    ).toEqual(['id         1', 'workspace  /w']);
  });
});

describe('pluralize', () => {
  it.each([
    [0, '0 files'],
    [1, '1 file'],
    [2, '2 files'],
  ])('counts %i as %s', (count, expected) => {
    expect(pluralize(count, 'file')).toBe(expected);
  });
});

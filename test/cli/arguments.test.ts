import { InvalidArgumentError } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPath } from '../../protocol/index.js';
import {
  parseCount,
  parseHours,
  parseJobId,
  parsePositiveInteger,
  parseSize,
  parseSnapshotId,
} from '../../src/cli/arguments.js';

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['500000', 500_000],
    ['500kB', 500_000],
    ['800MB', 800_000_000],
    ['800 mb', 800_000_000],
    ['1.5GB', 1_500_000_000],
    ['2GiB', 2 * 2 ** 30],
    ['1t', 1e12],
  ])('reads %s as %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '-5', '5XB', '1e9', '5 M B'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(InvalidArgumentError);
  });
});

describe('number options', () => {
  it.each([
    [parseCount, '0', 0],
    [parseCount, '12', 12],
    [parsePositiveInteger, '1', 1],
    [parseHours, '0', 0],
    [parseHours, '1.5', 1.5],
  ])('%o reads %s', (parse, text, value) => {
    expect(parse(text)).toBe(value);
  });

  it.each([
    [parseCount, '-1'],
    [parseCount, '1.5'],
    [parseCount, 'x'],
    [parsePositiveInteger, '0'],
    [parsePositiveInteger, ''],
    [parseHours, '-1'],
    [parseHours, 'soon'],
    [parseHours, ''],
  ])('%o refuses %j', (parse, text) => {
    expect(() => parse(text)).toThrow(InvalidArgumentError);
  });
});

describe('ids', () => {
  it.each(['job-1', 'a.b_c', 'X'.repeat(128)])('takes job id %s', (id) => {
    expect(parseJobId(id)).toBe(id);
  });

  it.each(['', '.hidden', '../up', 'a/b', 'X'.repeat(129), 'sp ace'])(
    'refuses job id %j, saying what a job id is',
    (id) => {
      expect(() => parseJobId(id)).toThrow(/job_id must be 1 to 128/);
    },
  );

  it('refuses a snapshot id with punctuation', () => {
    expect(() => parseSnapshotId('01AB-')).toThrow(InvalidArgumentError);
    expect(parseSnapshotId('01AB')).toBe('01AB');
  });
});

describe('expandPath', () => {
  it.each([
    ['~', homedir()],
    ['~/x/s.sock', join(homedir(), 'x/s.sock')],
    ['/abs/s.sock', '/abs/s.sock'],
    ['rel/s.sock', join(process.cwd(), 'rel/s.sock')],
  ])('expands %s to %s', (path, expected) => {
    expect(expandPath(path)).toBe(expected);
  });
});

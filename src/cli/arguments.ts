/**
 * Parsers for the command line's arguments and options, for commander's
 * `.argParser()`. A value they refuse is a usage error (exit 2) that names
 * what was expected, before any daemon is asked.
 */
import { Argument, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import {
  DEFAULT_SOCKET,
  JobId,
  SOCKET_ENV,
  SnapshotId,
  expandPath,
} from '../../protocol/index.js';

export const DEFAULT_SOCKET_PATH = expandPath(DEFAULT_SOCKET);

// The flag beats the environment, which beats the default; commander
// reads the environment and reports which one won in --help.
export function createSocketOption(): Option {
  return new Option('--socket <path>', "the daemon's Unix socket")
    .env(SOCKET_ENV)
    .default(DEFAULT_SOCKET_PATH)
    .argParser(expandPath);
}

function parseWith(schema: z.ZodType<string>) {
  return (value: string): string => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? '');
  };
}

export const parseJobId = parseWith(JobId);
export const parseSnapshotId = parseWith(SnapshotId);

export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) {
    throw new InvalidArgumentError('expected a whole number above 0');
  }
  return Number(value);
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError('expected a whole number');
  }
  return Number(value);
}

export function parseHours(value: string): number {
  const hours = Number(value);
  if (value.trim() === '' || !Number.isFinite(hours) || hours < 0) {
    throw new InvalidArgumentError('expected a number of hours, 0 or more');
  }
  return hours;
}

const SIZE_FACTORS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * A size in bytes, with an optional unit: `500000`, `500kB`, `1.5GB`,
 * `2GiB`. Decimal units are powers of 1000, as the output prints them.
 */
export function parseSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const factor = match ? SIZE_FACTORS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new InvalidArgumentError(
      'expected a size such as 500000, 800MB or 2GiB',
    );
  }
  return Math.floor(Number(match[1]) * factor);
}

/** `<job_id> <id>`, the pair that names one snapshot. */
export function createSnapshotRefArguments(): Argument[] {
  return [
    new Argument('<job_id>', 'the job').argParser(parseJobId),
    new Argument('<id>', 'the snapshot, as `list` shows it').argParser(
      parseSnapshotId,
    ),
  ];
}

/**
 * Seeded workload generators: the same seed gives the same bytes on every
 * machine, so runs compare. Never Math.random.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

/** A small, fast, seeded generator (mulberry32). */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    bytes(length) {
      const buffer = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i += 1) buffer[i] = int(256);
      return buffer;
    },
  };
}

const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARNING', 'ERROR'];
const WORDS = [
  'sheet',
  'validation',
  'retry',
  'backend',
  'prompt',
  'token',
  'score',
  'workspace',
  'conductor',
  'musician',
  'cadenza',
  'movement',
  'tempo',
];

/** Log-like text lines of about `bytes` length in total. */
export function generateLogText(random: Random, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  let second = 1_700_000_000;
  while (size < bytes) {
    second += random.int(3);
    const words = Array.from({ length: 4 + random.int(10) }, () =>
      random.pick(WORDS),
    );
    const line =
      `${new Date(second * 1000).toISOString()} ${random.pick(LEVELS)} ` +
      `${words.join(' ')} n=${random.int(100_000)}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('').slice(0, bytes);
}

/**
 * Writes a log file of exactly `bytes` bytes without holding it in memory:
 * a seeded 1 MiB block of log lines, rotated on every repetition.
 */
export async function writeBigLog(
  path: string,
  options: { bytes: number; seed: number },
): Promise<void> {
  const block = Buffer.from(
    generateLogText(createRandom(options.seed), 1024 * 1024),
  );
  const doubled = Buffer.concat([block, block]);
  const out = createWriteStream(path);
  let written = 0;
  let turn = 0;
  while (written < options.bytes) {
    const shift = (turn * 4099) % block.length;
    const length = Math.min(block.length, options.bytes - written);
    written += length;
    turn += 1;
    if (!out.write(doubled.subarray(shift, shift + length))) {
      await once(out, 'drain');
    }
  }
  out.end();
  await finished(out);
}

/** Observer timeline lines, as the conductor writes them. */
export function generateObserverTimeline(
  random: Random,
  events: number,
): string {
  const types = ['sheet.started', 'sheet.completed', 'tool.call', 'retry'];
  const lines: string[] = [];
  for (let i = 0; i < events; i += 1) {
    lines.push(
      JSON.stringify({
        event: random.pick(types),
        seq: i,
        at: 1_700_000_000 + i,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface WorkspaceShape {
  /** Number of `*.json` state files. */
  jsonFiles: number;
  /** Size of each state file. */
  jsonBytes: number;
  /** Size of `marianne.log`. */
  logBytes: number;
  /** Events in `.marianne-observer.jsonl`. */
  observerEvents: number;
  seed: number;
}

/** A job workspace: state files, a log, an observer timeline, and noise. */
export async function writeWorkspace(
  dir: string,
  shape: WorkspaceShape,
): Promise<void> {
  const random = createRandom(shape.seed);
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['marianne.log', generateLogText(random, shape.logBytes)],
    [
      '.marianne-observer.jsonl',
      generateObserverTimeline(random, shape.observerEvents),
    ],
    ['config.yaml', `name: bench\nsheets: ${random.int(50)}\n`],
    ['notes.txt', 'not captured: no pattern matches\n'],
  ];
  for (let i = 0; i < shape.jsonFiles; i += 1) {
    const body = JSON.stringify({
      sheet: i,
      text: generateLogText(random, shape.jsonBytes),
    });
    files.push([`state-${String(i).padStart(4, '0')}.json`, body]);
  }
  await writeFilesInBatches(dir, files);
}

async function writeFilesInBatches(
  dir: string,
  files: readonly [string, string][],
  batch = 64,
): Promise<void> {
  for (let i = 0; i < files.length; i += batch) {
    await Promise.all(
      files
        .slice(i, i + batch)
        .map(([name, body]) => writeFile(join(dir, name), body)),
    );
  }
}

/** The job ids of generated stores: `job-0000`, `job-0001`, ... */
export function jobName(index: number): string {
  return `job-${String(index).padStart(4, '0')}`;
}

export interface LegacyStoreShape {
  jobs: number;
  snapshotsPerJob: number;
  /** Share of snapshots older than `maxAgeHours`, e.g. 0.1. */
  expiredFraction: number;
  maxAgeHours: number;
  seed: number;
  /** Unix seconds taken as "now". */
  now: number;
}

/**
 * A store in the original layout (`<job>/<unix seconds>/marianne.log`):
 * the contract keeps it listable and expirable, and it needs no knowledge
 * of the manifest format, so it can be generated quickly in bulk. Which
 * snapshots are expired is chosen by the seed. Returns the expired count.
 */
export async function writeLegacyStore(
  dir: string,
  shape: LegacyStoreShape,
): Promise<{ snapshots: number; expired: number }> {
  const random = createRandom(shape.seed);
  const cutoff = shape.now - shape.maxAgeHours * 3600;
  const folders: string[] = [];
  let expired = 0;
  for (let job = 0; job < shape.jobs; job += 1) {
    const jobDir = join(dir, jobName(job));
    for (let i = 0; i < shape.snapshotsPerJob; i += 1) {
      const isExpired = random.next() < shape.expiredFraction;
      // Distinct seconds per snapshot of a job, on either side of the cutoff.
      const seconds = isExpired ? cutoff - 3600 - i * 7 : shape.now - i * 7;
      if (isExpired) expired += 1;
      folders.push(join(jobDir, String(seconds)));
    }
  }

  for (let job = 0; job < shape.jobs; job += 1) {
    await mkdir(join(dir, jobName(job)), { recursive: true, mode: 0o700 });
  }
  const batch = 256;
  for (let i = 0; i < folders.length; i += batch) {
    await Promise.all(
      folders.slice(i, i + batch).map(async (folder) => {
        await mkdir(folder, { mode: 0o700 });
        await writeFile(join(folder, 'marianne.log'), 'run finished\n', {
          mode: 0o600,
        });
      }),
    );
  }
  return { snapshots: folders.length, expired };
}

/**
 * Capture speed next to `cp -p` of the same files (plus, for the typical
 * workspace, the one `git status` a capture also runs), measured in
 * alternating rounds; the copy strategy (one pass that reads, hashes and
 * writes, versus copyFile and a second read to hash); and listing one job
 * that holds 10,000 snapshots.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { SnapshotManager } from '../src/store/snapshot-manager.js';
import {
  SMALL_FILES,
  TYPICAL,
  capturedPaths,
  makeWorkspace,
  writeManySnapshots,
} from './capture-workloads.js';
import {
  measureAlternating,
  median,
  roundForDisplay,
  type BenchResult,
} from './report.js';

const run = promisify(execFile);
const GOAL_RATIO = 1.5;

async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function compared(
  name: string,
  ours: number[],
  limitName: string,
  limit: number[],
  note: string,
): BenchResult {
  const ratio = median(ours) / median(limit);
  return {
    name,
    unit: 'ms',
    median: roundForDisplay(median(ours)),
    limitName,
    limitMedian: roundForDisplay(median(limit)),
    ratio: roundForDisplay(ratio),
    goal: `within ${GOAL_RATIO}x of ${limitName}`,
    met: ratio <= GOAL_RATIO,
    note,
  };
}

async function benchWorkspace(options: {
  root: string;
  label: string;
  shape: typeof TYPICAL;
  repository: boolean;
  rounds: number;
}): Promise<BenchResult> {
  const workspace = join(options.root, `ws-${options.label}`);
  const store = new SnapshotManager({ baseDir: join(options.root, 'store') });
  await makeWorkspace(workspace, options.shape, options);
  const files = await capturedPaths(workspace);

  const copyByHand = async () => {
    const target = await mkdtemp(join(options.root, 'cp-'));
    await run('cp', ['-p', ...files, target]);
    if (options.repository) {
      await run('git', ['-C', workspace, 'status', '--porcelain']);
    }
  };
  // One warm-up each, so both read from a warm page cache.
  await store.capture('bench', workspace);
  await copyByHand();

  const { a, b } = await measureAlternating({
    rounds: options.rounds,
    a: () => timeMs(() => store.capture('bench', workspace)),
    b: () => timeMs(copyByHand),
  });
  const limitName = options.repository ? 'cp -p + git status' : 'cp -p';
  return compared(
    `capture: ${options.label}`,
    a,
    limitName,
    b,
    `${files.length} files, ${options.rounds} alternating rounds`,
  );
}

// One pass as the store does it: plain reads, hash, write.
async function copyStreamed(from: string, to: string): Promise<void> {
  const source = await open(from, 'r');
  const target = await open(to, 'wx', 0o600);
  const hash = createHash('sha256');
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await target.write(chunk);
    }
    hash.digest('hex');
  } finally {
    await source.close();
    await target.close();
  }
}

// Two passes: the kernel copies, then the copy is read again to hash.
async function copyThenHash(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(to, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  hash.digest('hex');
}

async function benchCopyStrategy(
  root: string,
  rounds: number,
): Promise<BenchResult> {
  const files = await capturedPaths(join(root, 'ws-typical workspace'));
  const copyAll = (copy: typeof copyStreamed) => async () => {
    const target = await mkdtemp(join(root, 'strategy-'));
    return timeMs(() =>
      Promise.all(files.map((f) => copy(f, join(target, basename(f))))),
    );
  };

  const { a, b } = await measureAlternating({
    rounds,
    a: copyAll(copyStreamed),
    b: copyAll(copyThenHash),
  });
  return {
    name: 'copy strategy: read, hash, write in one pass',
    unit: 'ms',
    median: roundForDisplay(median(a)),
    limitName: 'copyFile, then read to hash',
    limitMedian: roundForDisplay(median(b)),
    ratio: roundForDisplay(median(a) / median(b)),
    note: `typical workspace files, ${rounds} alternating rounds`,
  };
}

async function benchListing(
  root: string,
  count: number,
): Promise<BenchResult[]> {
  const storeDir = join(root, 'many');
  await writeManySnapshots(storeDir, 'busy', count);
  const cold: number[] = [];
  const warm: number[] = [];

  for (let i = 0; i < 5; i += 1) {
    const store = new SnapshotManager({ baseDir: storeDir });
    await store.open();
    cold.push(await timeMs(() => store.listSnapshots('busy', { limit: 100 })));
    warm.push(await timeMs(() => store.listSnapshots('busy', { limit: 100 })));
  }
  const note = `one job of ${count} snapshots, first page of 100`;
  return [
    {
      name: 'list: first page, new process',
      unit: 'ms',
      median: roundForDisplay(median(cold)),
      note,
    },
    {
      name: 'list: first page, again',
      unit: 'ms',
      median: roundForDisplay(median(warm)),
      note,
    },
  ];
}

export async function benchCapture(options: {
  quick: boolean;
}): Promise<BenchResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'ms-bench-capture-'));
  const rounds = options.quick ? 5 : 15;

  try {
    const results = [
      await benchWorkspace({
        root,
        label: 'typical workspace',
        shape: TYPICAL,
        repository: true,
        rounds,
      }),
      await benchWorkspace({
        root,
        label: '2,000 small JSON files',
        shape: SMALL_FILES,
        repository: false,
        rounds: options.quick ? 3 : 7,
      }),
      await benchCopyStrategy(root, rounds),
    ];
    results.push(...(await benchListing(root, options.quick ? 2_000 : 10_000)));
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

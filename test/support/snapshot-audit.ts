/**
 * An independent check of snapshots on disk: reads each manifest and
 * hashes every artifact, without the store's code, so a bug in the store's
 * own verify cannot hide a partial snapshot.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

interface ManifestArtifact {
  name: string;
  bytes: number;
  sha256: string;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function auditArtifact(
  folder: string,
  artifact: ManifestArtifact,
): Promise<string | null> {
  const path = join(folder, artifact.name);
  try {
    const info = await stat(path);
    if (info.size !== artifact.bytes) {
      return `${artifact.name}: ${info.size} bytes, manifest says ${artifact.bytes}`;
    }
    if ((await hashFile(path)) !== artifact.sha256) {
      return `${artifact.name}: content differs from its manifest hash`;
    }
    return null;
  } catch (err) {
    return `${artifact.name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
}

/** What is wrong with one snapshot folder; empty when it is complete. */
export async function auditSnapshot(folder: string): Promise<string[]> {
  let artifacts: ManifestArtifact[];
  try {
    const text = await readFile(
      join(folder, '.marianne-snapshot', 'manifest.json'),
      'utf8',
    );
    artifacts = (JSON.parse(text) as { artifacts: ManifestArtifact[] })
      .artifacts;
  } catch (err) {
    return [`${folder}: no readable manifest (${String(err)})`];
  }

  const problems = await Promise.all(
    artifacts.map((artifact) => auditArtifact(folder, artifact)),
  );
  return problems
    .filter((problem): problem is string => problem !== null)
    .map((problem) => `${folder}: ${problem}`);
}

/** Entries left in the store's private staging and trash folders. */
export async function listLeftovers(store: string): Promise<string[]> {
  const found: string[] = [];
  for (const hidden of ['.staging', '.trash']) {
    try {
      const entries = await readdir(join(store, hidden));
      found.push(...entries.map((entry) => `${hidden}/${entry}`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return found;
}

/**
 * Waits until staging and trash are empty (a daemon may purge its trash in
 * the background after it starts answering), bounded by `timeoutMs`.
 * Returns what is still there when time is up.
 */
export async function waitForNoLeftovers(
  store: string,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await listLeftovers(store);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await listLeftovers(store);
  }
  return left;
}

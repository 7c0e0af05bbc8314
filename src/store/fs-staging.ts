/**
 * Staging folders: where a snapshot is built before its one rename into
 * place. The name says who builds it (`<host>.<pid>.<id>`), so a later
 * process can tell a dead capture's leftovers from a live one's.
 */
import { hostname } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, removeTree } from './fs-io.js';
import { isMissing } from './store-errors.js';

/** Staging folders this process is building right now. */
const liveInThisProcess = new Set<string>();

export function stagingNameFor(id: string): string {
  return `${hostname()}.${process.pid}.${id}`;
}

export function markStagingLive(name: string): void {
  liveInThisProcess.add(name);
}

export function markStagingDone(name: string): void {
  liveInThisProcess.delete(name);
}

interface StagingOwner {
  host: string;
  pid: number;
}

// The id and pid hold no dots; the host name may.
function parseStagingName(name: string): StagingOwner | null {
  const match = /^(.+)\.([0-9]+)\.[A-Za-z0-9]+$/.exec(name);
  if (!match) return null;
  return { host: match[1]!, pid: Number(match[2]) };
}

/**
 * Whether a staging folder belongs to no live capture. Only this host's
 * can be judged. Our own pid counts as dead unless this process has the
 * folder in flight: a restarted container often gets its old pid back.
 * A live pid of another process is kept, even if that pid was reused.
 */
function isAbandoned(name: string): boolean {
  const owner = parseStagingName(name);

  if (!owner || owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return !liveInThisProcess.has(name);
  return !isProcessAlive(owner.pid);
}

/** Removes abandoned staging folders; returns their names. */
export async function removeAbandonedStaging(
  stagingRoot: string,
): Promise<string[]> {
  let names: string[];

  try {
    names = await readdir(stagingRoot);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }

  const removed: string[] = [];
  for (const name of names) {
    if (!isAbandoned(name)) continue;
    await removeTree(join(stagingRoot, name));
    removed.push(name);
  }
  return removed;
}

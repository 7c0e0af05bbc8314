/**
 * Taking stock of the store in as few filesystem calls as possible: one
 * folder read for the root and one per job, with the links found on the
 * way; then, for a snapshot whose size or pin matters, its manifest read
 * in three calls and its marker looked for in one. A snapshot's folders
 * were seen to be real folders by the listing itself (a listing reports
 * a link as a link), so they are not checked again one by one. The calls
 * are synchronous, in slices that yield to the event loop (fs-slice.ts).
 */
import type { Dirent } from 'node:fs';
import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbedSnapshot, StoreScan } from './backend.js';
import { GitContext, ObserverSummary } from '../../protocol/index.js';
import { READ_NOFOLLOW } from './fs-io.js';
import { parseJson } from './fs-read.js';
import { mapSliced } from './fs-slice.js';
import {
  GIT_CONTEXT_FILE,
  MANIFEST_FILE,
  META_DIR,
  OBSERVER_SUMMARY_FILE,
  isJobId,
  isSnapshotFolderName,
} from './layout.js';
import { MANIFEST_FORMAT, type SnapshotSize } from './manifest.js';
import { errnoOf, isMissing, toStoreError } from './store-errors.js';

/** Manifests are small; a bigger one is read on in further chunks. */
const READ_CHUNK = 16_384;
const readBuffer = Buffer.alloc(READ_CHUNK);

function readDirentsNow(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || errnoOf(err) === 'ENOTDIR') return [];
    throw toStoreError(err, 'read', path);
  }
}

export async function scanStore(
  root: string,
  options: { jobId?: string },
): Promise<StoreScan> {
  const links: string[] = [];
  const jobIds: string[] = [];

  for (const entry of readDirentsNow(root)) {
    if (!isJobId(entry.name)) continue;
    if (options.jobId !== undefined && entry.name !== options.jobId) continue;
    if (entry.isSymbolicLink()) links.push(join(root, entry.name));
    if (entry.isDirectory()) jobIds.push(entry.name);
  }

  const jobs = await mapSliced(jobIds, (jobId) => {
    const jobDir = join(root, jobId);
    const ids: string[] = [];
    for (const entry of readDirentsNow(jobDir)) {
      if (!isSnapshotFolderName(entry.name)) continue;
      if (entry.isSymbolicLink()) links.push(join(jobDir, entry.name));
      if (entry.isDirectory()) ids.push(entry.name);
    }
    return { jobId, ids };
  });
  return { jobs, links };
}

/** Per snapshot, what it weighs, or why it could not be read. */
export function probeListedSnapshots(
  root: string,
  refs: readonly { jobId: string; id: string; manifest: boolean }[],
  marker: string,
): Promise<(ProbedSnapshot | Error)[]> {
  return mapSliced(refs, (ref): ProbedSnapshot | Error => {
    // Plain concatenation: every part is a name the listing checked, and
    // join's normalising showed in profiles of large stores.
    const dir = `${root}/${ref.jobId}/${ref.id}`;
    const meta = `${dir}/${META_DIR}`;
    try {
      let size: SnapshotSize | null = null;
      if (ref.manifest) {
        const text = readSmallText(`${meta}/${MANIFEST_FILE}`);
        size =
          text === null ? sizeOfOriginalFolder(dir) : sizeOfManifestText(text);
      }
      return { size, hasMarker: existsNoFollow(`${meta}/${marker}`) };
    } catch (err) {
      return toStoreError(err, 'read', meta);
    }
  });
}

// The whole text of a small file, or null when absent or a link.
function readSmallText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, READ_NOFOLLOW);
  } catch (err) {
    if (isMissing(err) || errnoOf(err) === 'ELOOP') return null;
    throw err;
  }

  try {
    // One buffer serves every read: the calls are synchronous.
    const chunks: Buffer[] = [];
    for (;;) {
      const bytesRead = readSync(fd, readBuffer, 0, READ_CHUNK, null);
      // A short read of a regular file is its end: no extra call.
      if (bytesRead < READ_CHUNK && chunks.length === 0) {
        return readBuffer.toString('utf8', 0, bytesRead);
      }
      chunks.push(Buffer.from(readBuffer.subarray(0, bytesRead)));
      if (bytesRead < READ_CHUNK) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

// Anything there counts, a link or a folder too: a pin kept too eagerly
// costs a snapshot kept, a pin missed costs a snapshot lost.
// (Asked not to throw when absent: a thrown error costs more than the call.)
function existsNoFollow(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Files and bytes of a folder without manifest (the original layout), as
 * describeOriginalFolder counts them: its top-level regular files, minus
 * the git context and observer summary the original wrote beside them.
 */
function sizeOfOriginalFolder(dir: string): SnapshotSize {
  let files = 0;
  let bytes = 0;

  for (const entry of readDirentsNow(dir)) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    if (
      entry.name === GIT_CONTEXT_FILE ||
      entry.name === OBSERVER_SUMMARY_FILE
    ) {
      const text = readSmallText(path);
      const isOwn =
        entry.name === GIT_CONTEXT_FILE
          ? parseJson(text, GitContext) !== null
          : parseJson(text, ObserverSummary) !== null;
      if (isOwn) continue;
    }
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined) continue;
    files += 1;
    bytes += stats.size;
  }
  return { files, bytes };
}

/**
 * Files and bytes from a manifest's text, without checking the rest of
 * it (restore and verify do): null when it does not look like one, and
 * the caller falls back to the full read.
 */
function sizeOfManifestText(text: string): SnapshotSize | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const { format, artifacts } = (value ?? {}) as Record<string, unknown>;
  if (format !== MANIFEST_FORMAT || !Array.isArray(artifacts)) return null;

  let bytes = 0;
  for (const artifact of artifacts as unknown[]) {
    const size = (artifact as { bytes?: unknown } | null)?.bytes;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return null;
    }
    bytes += size;
  }
  return { files: artifacts.length, bytes };
}

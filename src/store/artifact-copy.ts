/**
 * Copies one source file into a snapshot: opened without following a
 * link and without blocking on a FIFO, checked to be a regular file,
 * streamed through the hash in one pass, mtime kept.
 */
import type { SnapshotWriter } from './backend.js';
import { closeQuietly, fstatFd, openFd, readFd } from './fd.js';
import { READ_NOFOLLOW } from './fs-io.js';
import type { ArtifactRole, ManifestArtifact } from './manifest.js';
import type { ObserverCounter } from './observer-summary.js';
import { countWhileReading } from './observer-summary.js';
import { errnoOf } from './store-errors.js';

/** A source that is not (or no longer) a regular file we may read. */
export class SourceRefused extends Error {
  override name = 'SourceRefused';
}

export interface CopyRequest {
  writer: SnapshotWriter;
  /** Absolute path of the source. */
  source: string;
  /** Name inside the snapshot. */
  name: string;
  role: ArtifactRole;
  signal?: AbortSignal;
  /** Sees every chunk on the way (the observer timeline's summary). */
  counter?: ObserverCounter;
}

const READ_CHUNK = 1024 * 1024;

export async function copyArtifact(
  request: CopyRequest,
): Promise<ManifestArtifact> {
  // O_NOFOLLOW refuses a link and O_NONBLOCK keeps a FIFO from blocking
  // the open; fstat then proves what was opened is a regular file, so no
  // separate lstat (and no window between the look and the open).
  const fd = await openFd(request.source, READ_NOFOLLOW).catch(
    (err: unknown) => {
      if (errnoOf(err) === 'ELOOP') {
        throw new SourceRefused('is a symbolic link; links are not followed');
      }
      throw err;
    },
  );
  const opened = await fstatFd(fd).catch(async (err: unknown) => {
    await closeQuietly(fd);
    throw err;
  });
  if (!opened.isFile()) {
    await closeQuietly(fd);
    throw new SourceRefused('is not a regular file');
  }

  // Copy the bytes present when the file was opened, as tar does: a log
  // that grows faster than the copy would otherwise be chased forever.
  const chunks = readChunks(fd, opened.size);
  const source = request.counter
    ? countWhileReading(chunks, request.counter)
    : chunks;
  try {
    const written = await request.writer.writeArtifact(request.name, source, {
      mtimeMs: opened.mtimeMs,
      signal: request.signal,
    });
    return {
      name: request.name,
      bytes: written.bytes,
      sha256: written.sha256,
      source: request.source,
      role: request.role,
      mtime_ms: opened.mtimeMs,
    };
  } finally {
    await closeQuietly(fd);
  }
}

/**
 * The first `size` bytes of the file, by plain reads into fresh buffers:
 * measured faster here than a read stream, and the copy stays one pass
 * (read, hash, write). A file that shrinks meanwhile ends early.
 */
async function* readChunks(
  fd: number,
  size: number,
): AsyncGenerator<Uint8Array> {
  let left = size;

  while (left > 0) {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, left));
    const bytesRead = await readFd(fd, buffer);
    if (bytesRead === 0) return;
    left -= bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

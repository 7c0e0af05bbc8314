/**
 * One artifact copied out of the store, hashed on the way, and refused
 * (SNAPSHOT_CORRUPT) when it does not match what the manifest recorded.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SnapshotError } from '../../protocol/index.js';
import type { ManifestArtifact } from './manifest.js';
import { cancelledError } from './verify.js';

export interface VerifiedCopy {
  source: Readable;
  handle: FileHandle;
  artifact: ManifestArtifact;
  signal?: AbortSignal | undefined;
}

export async function copyVerified(copy: VerifiedCopy): Promise<void> {
  const { source, handle, artifact, signal } = copy;
  const hash = createHash('sha256');
  let bytes = 0;

  try {
    for await (const chunk of source) {
      if (signal?.aborted) throw cancelledError('restore');
      const buffer = chunk as Buffer;
      hash.update(buffer);
      bytes += buffer.length;
      await writeAll(handle, buffer);
    }
  } finally {
    source.destroy();
  }

  const sha256 = hash.digest('hex');
  if (bytes !== artifact.bytes || sha256 !== artifact.sha256) {
    throw new SnapshotError(
      'SNAPSHOT_CORRUPT',
      `${artifact.name} no longer matches the manifest (${bytes} bytes, ` +
        `sha256 ${sha256.slice(0, 12)}…); nothing was restored`,
      { name: artifact.name },
    );
  }
  // As `cp -p`: the restored file keeps the time the workspace file had.
  const mtime = new Date(artifact.mtime_ms);
  await handle.utimes(mtime, mtime);
}

async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;

  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset);
    offset += bytesWritten;
  }
}

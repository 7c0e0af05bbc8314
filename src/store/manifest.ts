/**
 * The manifest: a snapshot's own record of what it holds. It is written
 * last, after every artifact is on disk, and its presence is what makes a
 * snapshot complete (the commit point, also for an object-store backend).
 */
import { z } from 'zod';
import {
  FailedArtifact,
  GitContext,
  ObserverSummary,
} from '../../protocol/index.js';

export const MANIFEST_FORMAT = 1 as const;

/** Why a file is in the snapshot. */
export const ArtifactRole = z.enum(['workspace', 'config']);
export type ArtifactRole = z.infer<typeof ArtifactRole>;

export const ManifestArtifact = z.object({
  /** Path inside the snapshot folder, `/`-separated. */
  name: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Absolute path it was copied from. */
  source: z.string(),
  role: ArtifactRole,
  /** The source's modification time, kept on the copy. */
  mtime_ms: z.number(),
});
export type ManifestArtifact = z.infer<typeof ManifestArtifact>;

export const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  job_id: z.string(),
  id: z.string(),
  timestamp: z.string(),
  created_at: z.string(),
  workspace: z.string(),
  artifacts: z.array(ManifestArtifact),
  failed: z.array(FailedArtifact),
  git: GitContext.nullable(),
  observer: ObserverSummary.nullable(),
});
export type Manifest = z.infer<typeof Manifest>;

/** Files and bytes, as list results report them. */
export interface SnapshotSize {
  files: number;
  bytes: number;
}

export function sizeOfManifest(manifest: Manifest): SnapshotSize {
  let bytes = 0;

  for (const artifact of manifest.artifacts) bytes += artifact.bytes;
  return { files: manifest.artifacts.length, bytes };
}

/** Parses manifest text; null when it is not a manifest this code reads. */
export function parseManifest(text: string): Manifest | null {
  let value: unknown;

  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = Manifest.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

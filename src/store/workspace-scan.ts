/**
 * Which workspace files a capture takes: top-level regular files whose
 * names match the original's patterns. A plain readdir is enough (the
 * patterns never descend), and its entry types let links, FIFOs, sockets
 * and devices be skipped without ever opening them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OBSERVER_TIMELINE } from './observer-summary.js';
import { isMissing } from './store-errors.js';

/** The original's patterns; `*` also matches a leading dot, as there. */
export const CAPTURE_PATTERNS = [
  '*.json',
  '*.yaml',
  '*.yml',
  'marianne.log',
  '*.log',
  OBSERVER_TIMELINE,
] as const;

const SUFFIXES = CAPTURE_PATTERNS.filter((p) => p.startsWith('*')).map((p) =>
  p.slice(1),
);
const EXACT_NAMES = new Set<string>(
  CAPTURE_PATTERNS.filter((p) => !p.startsWith('*')),
);

export function matchesCapturePattern(name: string): boolean {
  return EXACT_NAMES.has(name) || SUFFIXES.some((s) => name.endsWith(s));
}

export interface WorkspaceFile {
  name: string;
  path: string;
}

export interface SkippedEntry {
  name: string;
  reason: 'symbolic_link' | 'not_a_regular_file';
}

export interface WorkspaceScan {
  files: WorkspaceFile[];
  skipped: SkippedEntry[];
}

/**
 * The files to capture, by name; null when there is no such folder, or
 * it cannot be read (reported as a missing workspace).
 */
export async function scanWorkspace(
  workspace: string,
): Promise<WorkspaceScan | null> {
  try {
    // The caller's own path may pass through a link; inside it, nothing
    // is followed.
    if (!(await stat(workspace)).isDirectory()) return null;
  } catch (err) {
    if (isMissing(err) || isPermissionError(err)) return null;
    throw err;
  }

  const scan: WorkspaceScan = { files: [], skipped: [] };
  let entries;
  try {
    entries = await readdir(workspace, { withFileTypes: true });
  } catch (err) {
    // Gone or unreadable since the check: as good as missing.
    if (isMissing(err) || isPermissionError(err)) return null;
    throw err;
  }
  for (const entry of entries) {
    if (!matchesCapturePattern(entry.name)) continue;
    if (entry.isSymbolicLink()) {
      scan.skipped.push({ name: entry.name, reason: 'symbolic_link' });
    } else if (!entry.isFile()) {
      scan.skipped.push({ name: entry.name, reason: 'not_a_regular_file' });
    } else {
      scan.files.push({ name: entry.name, path: join(workspace, entry.name) });
    }
  }
  scan.files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scan;
}

function isPermissionError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'EACCES' || code === 'EPERM';
}

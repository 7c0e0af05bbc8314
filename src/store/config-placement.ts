/**
 * Where a job's config goes in its snapshot. As in the original it sits
 * at the top level under its own name, unless a captured workspace file
 * already has that name: then it goes under `.marianne-snapshot/config/`,
 * so neither is lost. A config that is a symbolic link is refused (not
 * followed) and reported in the capture's `failed` list, as is one that
 * is missing or not a regular file: the caller asked for it.
 */
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CONFIG_DIR, META_DIR } from './layout.js';
import { errnoOf } from './store-errors.js';

export type ConfigPlacement =
  | { source: string; name: string }
  | { source: string; name: string; refused: string };

export async function placeConfig(
  configPath: string | undefined,
  captured: { name: string }[],
): Promise<ConfigPlacement | undefined> {
  if (configPath === undefined) return undefined;

  const base = basename(configPath);
  const clashes = base === META_DIR || captured.some((f) => f.name === base);
  const name = clashes ? `${META_DIR}/${CONFIG_DIR}/${base}` : base;

  const refused = await whyRefused(configPath);
  return refused
    ? { source: configPath, name, refused }
    : { source: configPath, name };
}

async function whyRefused(path: string): Promise<string | null> {
  try {
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) {
      return 'config is a symbolic link; links are not followed';
    }
    if (!stat.isFile()) return 'config is not a regular file';
    return null;
  } catch (err) {
    return `config cannot be read: ${errnoOf(err) ?? String(err)}`;
  }
}

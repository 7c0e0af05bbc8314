/**
 * Where the built command lives, found from this file whether it runs from
 * source (vitest) or from dist/ (`npm run bench`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Walks up to the folder holding package.json: the project root.
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(
  dirname(fileURLToPath(import.meta.url)),
);

/** The built command line; `npm run build` produces it. */
export const CLI_PATH = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');

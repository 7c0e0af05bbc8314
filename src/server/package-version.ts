import { readFileSync } from 'node:fs';

/**
 * The package's version, read from its package.json; the module runs from
 * src/ under the tests and from dist/src/ once built, so the file is
 * looked for upwards.
 */
export function readPackageVersion(): string {
  let url = new URL('./', import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    try {
      const text = readFileSync(new URL('package.json', url), 'utf8');
      const manifest = JSON.parse(text) as { name?: string; version?: string };
      if (manifest.name === 'marianne-snapshot' && manifest.version) {
        return manifest.version;
      }
    } catch {
      // No package.json at this level: keep climbing.
    }
    url = new URL('../', url);
  }
  return '0.0.0';
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CLIENT_ONLY_ERRORS,
  ERRORS,
  METHODS,
  type ErrorCode,
} from '../../protocol/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const contract = readFileSync(
  join(root, '..', 'shared', 'CONTRACT.md'),
  'utf8',
);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Params our protocol adds to the contract's, for every method that has them. */
const EXTENSIONS = new Set(['progress_token']);

interface MethodRow {
  names: string[];
  params: string;
}

// Rows of a markdown table whose first cell names methods in backticks.
function readMethodRows(markdown: string): MethodRow[] {
  return markdown
    .split('\n')
    .filter((line) => /^\| `(daemon|rpc|snapshot)\.[a-z]+`/.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const names = [...(cells[1] ?? '').matchAll(/`([a-z.]+)`/g)].map(
        (match) => match[1] ?? '',
      );
      return { names, params: cells[2] ?? '' };
    });
}

// `{job_id, limit?}` -> ['job_id', 'limit?']; `none` -> [].
function readParamNames(cell: string): string[] {
  const braces = /\{([^}]*)\}/.exec(cell);
  if (!braces?.[1]) return [];
  return braces[1]
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function describeSchemaParams(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> })
    .shape;
  return Object.entries(shape)
    .filter(([name]) => !EXTENSIONS.has(name))
    .map(([name, field]) =>
      field.safeParse(undefined).success ? `${name}?` : name,
    );
}

describe('the protocol package and the documents', () => {
  it('defines exactly the methods the contract lists', () => {
    const listed = readMethodRows(contract).flatMap((row) => row.names);

    expect([...listed].sort()).toEqual(Object.keys(METHODS).sort());
  });

  it('takes exactly the params the contract names for each method', () => {
    for (const row of readMethodRows(contract)) {
      for (const name of row.names) {
        const method = METHODS[name as keyof typeof METHODS];

        expect(describeSchemaParams(method.params).sort(), name).toEqual(
          readParamNames(row.params).sort(),
        );
      }
    }
  });

  it('documents every method in the README', () => {
    const documented = readMethodRows(readme).flatMap((row) => row.names);

    expect([...new Set(documented)].sort()).toEqual(
      Object.keys(METHODS).sort(),
    );
  });

  it('documents every error code with its number in the README', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const row = new RegExp(
        `^\\|\\s*\`${ERRORS[code].number}\`\\s*\\|\\s*\`${code}\`\\s*\\|`,
        'm',
      );

      expect(readme, code).toMatch(row);
    }
  });

  it("reuses the conductor's numbers for the codes the contract fixes", () => {
    expect(ERRORS.RESOURCE_EXHAUSTED.number).toBe(-32001);
    expect(ERRORS.SHUTTING_DOWN.number).toBe(-32003);
    const prose = contract.replace(/\s+/g, ' ');

    expect(prose).toContain('`-32001` resource exhausted');
    expect(prose).toContain('`-32003` shutting down');
  });

  it('gives every error a distinct number and a resolution', () => {
    const numbers = Object.values(ERRORS).map((entry) => entry.number);

    expect(new Set(numbers).size).toBe(numbers.length);
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(entry.resolution.length, code).toBeGreaterThan(20);
    }
    expect(CLIENT_ONLY_ERRORS.every((code) => code in ERRORS)).toBe(true);
  });
});

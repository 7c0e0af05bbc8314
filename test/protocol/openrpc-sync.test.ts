import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  METHODS,
  buildOpenRpcDocument,
  type MethodDefinition,
} from '../../protocol/index.js';

interface OpenRpcMethod {
  name: string;
  params: { name: string; required: boolean; schema: unknown }[];
  result: { name: string; schema: Record<string, unknown> };
}

const document = buildOpenRpcDocument('9.9.9') as {
  info: { version: string };
  methods: OpenRpcMethod[];
};
const definitions = Object.values(METHODS) as MethodDefinition[];

// The params a schema accepts, and which of them it requires, read by
// probing the schema itself rather than its JSON form.
function describeSchema(schema: z.ZodType): {
  keys: string[];
  required: string[];
} {
  const shape = (schema as unknown as z.ZodObject).shape as Record<
    string,
    z.ZodType
  >;
  const keys = Object.keys(shape);
  const required = keys.filter(
    (key) => !shape[key]!.safeParse(undefined).success,
  );
  return { keys, required };
}

describe('the OpenRPC document', () => {
  it('lists every method once, and nothing else', () => {
    expect(document.methods.map((m) => m.name).sort()).toEqual(
      Object.keys(METHODS).sort(),
    );
    expect(document.info.version).toBe('9.9.9');
  });

  it.each(definitions.map((d) => [d.name, d] as const))(
    'describes the params of %s as its schema accepts them',
    (name, definition) => {
      const described = document.methods.find((m) => m.name === name)!;
      const { keys, required } = describeSchema(definition.params);

      expect(described.params.map((p) => p.name).sort()).toEqual(
        [...keys].sort(),
      );
      expect(
        described.params
          .filter((p) => p.required)
          .map((p) => p.name)
          .sort(),
      ).toEqual([...required].sort());
      for (const param of described.params) {
        expect(param.schema).toBeTypeOf('object');
      }
    },
  );

  it.each(definitions.map((d) => [d.name, d] as const))(
    'has a result schema for %s',
    (name) => {
      const described = document.methods.find((m) => m.name === name)!;

      expect(described.result.name).toBe(`${name}.result`);
      expect(Object.keys(described.result.schema).length).toBeGreaterThan(0);
    },
  );
});

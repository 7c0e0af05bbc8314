/**
 * The OpenRPC document served by `rpc.discover`, generated from the method
 * definitions so it cannot drift from what the daemon validates.
 */
import { z } from 'zod';
import { ERRORS, CLIENT_ONLY_ERRORS, type ErrorCode } from './errors.js';
import { METHODS, type MethodDefinition } from './methods.js';
import { PROTOCOL_VERSION } from './version.js';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  delete json.$schema;
  return json;
}

function describeParams(method: MethodDefinition): JsonSchema[] {
  const schema = toSchema(method.params, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    required: required.has(name),
    schema: property,
    ...(typeof property.description === 'string'
      ? { description: property.description }
      : {}),
  }));
}

function describeErrors(): JsonSchema[] {
  return (Object.keys(ERRORS) as ErrorCode[])
    .filter((code) => !CLIENT_ONLY_ERRORS.includes(code))
    .map((code) => ({
      code: ERRORS[code].number,
      message: code,
      data: { code, resolution: ERRORS[code].resolution },
    }));
}

export function buildOpenRpcDocument(version: string): JsonSchema {
  return {
    openrpc: '1.3.2',
    info: {
      title: 'marianne-snapshot',
      version,
      description: `Protocol ${PROTOCOL_VERSION}; params are by name.`,
    },
    methods: Object.values(METHODS).map((method: MethodDefinition) => ({
      name: method.name,
      summary: method.summary,
      paramStructure: 'by-name',
      params: describeParams(method),
      result: {
        name: `${method.name}.result`,
        schema: toSchema(method.result, 'output'),
      },
    })),
    components: { errors: describeErrors() },
  };
}

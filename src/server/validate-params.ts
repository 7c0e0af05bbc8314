import type { z } from 'zod';
import { SnapshotError } from '../../protocol/index.js';

/**
 * Checks a request's params against its method's schema, naming the first
 * offending param in `data.field` so a caller can point at it.
 */
export function validateParams<S extends z.ZodType>(
  schema: S,
  params: unknown,
): z.output<S> {
  const given = params === undefined ? {} : params;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new SnapshotError(
      'INVALID_PARAMS',
      'Invalid params: params must be an object of named params, not a list',
    );
  }

  const result =
    Object.keys(given).length === 0
      ? parseEmpty(schema)
      : schema.safeParse(given);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const { field, problem } = describeIssue(issue, given);
  const named =
    field === undefined || problem.startsWith(field)
      ? problem
      : `${field}: ${problem}`;
  throw new SnapshotError(
    'INVALID_PARAMS',
    `Invalid params: ${named}`,
    field === undefined ? {} : { field },
  );
}

// Most calls of the parameterless methods carry no params: their verdict
// never changes, so it is worked out once per schema.
const EMPTY_VERDICTS = new WeakMap<z.ZodType, z.ZodSafeParseResult<unknown>>();

function parseEmpty<S extends z.ZodType>(
  schema: S,
): z.ZodSafeParseResult<z.output<S>> {
  let verdict = EMPTY_VERDICTS.get(schema);
  if (!verdict) {
    verdict = schema.safeParse({});
    EMPTY_VERDICTS.set(schema, verdict);
  }
  return verdict as z.ZodSafeParseResult<z.output<S>>;
}

function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  given: object,
): { field: string | undefined; problem: string } {
  if (!issue) return { field: undefined, problem: 'not accepted' };

  if (issue.code === 'unrecognized_keys') {
    return {
      field: issue.keys[0],
      problem: 'unknown param; rpc.discover lists the accepted ones',
    };
  }

  const field = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
  const missing = field !== undefined && !Object.hasOwn(given, field);
  return { field, problem: missing ? 'is required' : issue.message };
}

/**
 * What the client checks and decides per method, from its definition
 * alone: which deadline applies, and whether a reply has the promised
 * shape.
 */
import { z } from 'zod';
import {
  METHODS,
  PROTOCOL_VERSION,
  ProgressValue,
  SnapshotError,
  type MethodDefinition,
  type MethodName,
  type ResultOf,
} from '../../protocol/index.js';

/** The params of a `$/progress` notification. */
export const ProgressNotification = z.object({
  token: z.union([z.string(), z.number()]),
  value: ProgressValue,
});

// Methods that take a progress token copy or hash every artifact, and a
// write abandoned at its deadline leaves its outcome unknown: both get the
// long deadline. A read is cheap to give up on and ask again.
export function isLongCall(method: MethodName): boolean {
  const { params, idempotent } = METHODS[method] as MethodDefinition;
  const reportsProgress =
    params instanceof z.ZodObject && 'progress_token' in params.shape;
  return reportsProgress || !idempotent;
}

// The daemon's reply is checked against the method's result schema, so a
// caller never holds a value that lies about its type. The value returned
// is the reply as sent, fields from a newer daemon included.
export function checkResult<M extends MethodName>(
  method: M,
  raw: unknown,
): ResultOf<M> {
  const parsed = METHODS[method].result.safeParse(raw);
  if (parsed.success) return raw as ResultOf<M>;

  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') || 'result';
  throw new SnapshotError(
    'INTERNAL_ERROR',
    `the daemon's reply to ${method} does not match protocol ` +
      `${PROTOCOL_VERSION}: ${where}: ${issue?.message ?? 'invalid'}`,
    { method },
  );
}

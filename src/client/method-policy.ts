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
  type MethodName,
  type ResultOf,
} from '../../protocol/index.js';

/** The params of a `$/progress` notification. */
export const ProgressNotification = z.object({
  token: z.union([z.string(), z.number()]),
  value: ProgressValue,
});

// Methods that take a progress token are the ones that copy or hash every
// artifact, so they get the long deadline.
export function reportsProgress(method: MethodName): boolean {
  const params = METHODS[method].params as z.ZodType;
  return params instanceof z.ZodObject && 'progress_token' in params.shape;
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

/**
 * Judges one capture reply the way the reliability scenarios require: a
 * complete snapshot (every artifact matches the manifest), a skip with a
 * reason, or an error with a registry code and a message: never a partial
 * snapshot.
 */
import type { RpcReply } from '../../bench/harness/rpc-connection.js';
import { auditSnapshot } from '../support/snapshot-audit.js';

export interface CaptureVerdict {
  /** `snapshot`, `skipped:<reason>` or `error:<data.code>`. */
  outcome: string;
  /** Artifacts the daemon reported as not captured. */
  failed: number;
  problems: string[];
  /** The snapshot folder, when there is one. */
  path?: string;
}

interface CaptureResult {
  snapshot: { path: string; files: number } | null;
  reason?: string;
  failed?: unknown[];
}

export async function judgeCapture(
  reply: RpcReply,
  allowedErrors: readonly string[],
): Promise<CaptureVerdict> {
  if (reply.error) {
    const code = reply.error.data?.code ?? `number ${reply.error.code}`;
    const problems = allowedErrors.includes(code)
      ? []
      : [`unexpected error ${code}: ${reply.error.message}`];
    if (reply.error.message.trim() === '') problems.push('empty error message');
    return { outcome: `error:${code}`, failed: 0, problems };
  }

  const result = reply.result as CaptureResult;
  if (result.snapshot === null) {
    return { outcome: `skipped:${result.reason}`, failed: 0, problems: [] };
  }
  return {
    outcome: 'snapshot',
    path: result.snapshot.path,
    failed: result.failed?.length ?? 0,
    problems: await auditSnapshot(result.snapshot.path),
  };
}

/** Counts outcomes for the one-line summary, e.g. `3 snapshot, 2 error:X`. */
export function tallyOutcomes(verdicts: readonly CaptureVerdict[]): string {
  const counts = new Map<string, number>();
  for (const verdict of verdicts) {
    counts.set(verdict.outcome, (counts.get(verdict.outcome) ?? 0) + 1);
  }
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

/**
 * The project's performance goals, each judged against the measurement
 * that answers it, whichever module produced it. Keeping the goals here,
 * rather than in each module, means the goals table cannot drift when a
 * module renames or re-labels a result.
 */
import type { BenchResult } from './report.js';

export interface Goal {
  /** The goal in words, as the table prints it. */
  text: string;
  /** Picks the measurements that answer this goal. */
  matches: (result: BenchResult) => boolean;
  /** Whether one measurement meets it. */
  isMet: (result: BenchResult) => boolean;
}

/** How one goal fared in one run: its measurements, or none. */
export interface GoalVerdict {
  goal: Goal;
  results: BenchResult[];
}

const withinRatio = (limit: number) => (r: BenchResult) =>
  r.ratio !== undefined && r.ratio <= limit;

export const GOALS: readonly Goal[] = [
  {
    text: 'capture within 1.5x of the copy (typical workspace)',
    matches: (r) => /^capture: typical/.test(r.name),
    isMet: withinRatio(1.5),
  },
  {
    text: 'capture within 1.5x of the copy (2,000 small files)',
    matches: (r) => /^capture: 2,000 small/.test(r.name),
    isMet: withinRatio(1.5),
  },
  {
    text: 'capture within 1.5x of the copy (a big log)',
    matches: (r) => /^capture: .* log through the daemon/.test(r.name),
    isMet: withinRatio(1.5),
  },
  {
    text: 'memory flat during the big capture, under 100 MB',
    matches: (r) => /peak RSS while capturing/.test(r.name),
    isMet: (r) => r.median < 100,
  },
  {
    text: 'list of a 100-snapshot page under 10 ms',
    matches: (r) => /^list: .*(first 100|first page)/.test(r.name),
    isMet: (r) => r.median < 10,
  },
  {
    text: 'cleanup within 1.5x of rm -rf',
    matches: (r) => /rm -rf/.test(r.limitName ?? ''),
    isMet: withinRatio(1.5),
  },
  {
    text: 'daemon.health never above 100 ms during a cleanup',
    matches: (r) => /longest daemon\.health during cleanup/.test(r.name),
    isMet: (r) => r.median <= 100,
  },
  {
    text: 'wire at least half the echo rate',
    matches: (r) => /echo/.test(r.limitName ?? ''),
    isMet: (r) => r.ratio !== undefined && r.ratio >= 0.5,
  },
];

export function judgeGoals(results: readonly BenchResult[]): GoalVerdict[] {
  return GOALS.map((goal) => ({
    goal,
    results: results.filter((result) => goal.matches(result)),
  }));
}

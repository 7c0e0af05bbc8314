/**
 * The shape every benchmark module returns, and the small helpers that
 * turn repeated timings into the numbers the report prints.
 */

/** One measured quantity, optionally next to the limit it is judged by. */
export interface BenchResult {
  /** What was measured, e.g. `capture: typical workspace`. */
  name: string;
  /** Unit of `median` and `limitMedian`, e.g. `ms`, `req/s`, `MB`. */
  unit: string;
  median: number;
  /** What the measurement is compared with, e.g. `cp -p`. */
  limitName?: string;
  limitMedian?: number;
  /** `median / limitMedian` (or the inverse for rates: see `goal`). */
  ratio?: number;
  /** The goal in words, e.g. `within 1.5x of cp -p`. */
  goal?: string;
  /** Whether the goal was met in this run. */
  met?: boolean;
  /** What else a reader needs: counts, repetitions, caveats. */
  note?: string;
}

/** Runs two measurements in turns, `a` first on even rounds. */
export async function measureAlternating(options: {
  rounds: number;
  a: () => Promise<number>;
  b: () => Promise<number>;
}): Promise<{ a: number[]; b: number[] }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    if (round % 2 === 0) {
      a.push(await options.a());
      b.push(await options.b());
    } else {
      b.push(await options.b());
      a.push(await options.a());
    }
  }
  return { a, b };
}

/** The median of a non-empty list; NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds for display: three significant digits, integers kept whole. */
export function roundForDisplay(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 100) {
    return Math.round(value);
  }
  return Number(value.toPrecision(3));
}

/**
 * Medians and spreads over probe runs. The median, not the mean: one run disturbed by another
 * process on the machine moves a mean, not a median. The spread is max - min over the runs,
 * printed next to every figure so a reader sees how much to trust it.
 */

/** A figure over several runs. (unit of the samples) */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every run's value, in run order. */
  readonly samples: readonly number[];
}

/** Median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min and max of `values`, each minus `offset` (the noise floor). */
export function spreadOf(values: readonly number[], offset = 0): Spread {
  const shifted = values.map((v) => v - offset);
  return { median: median(shifted), min: Math.min(...shifted), max: Math.max(...shifted), samples: shifted };
}

/**
 * Whether the runs disagree too much to trust the median: max - min above `ratio` of the
 * median's size, and above `floor` (tiny figures vary by a few KB whatever their size).
 */
export function isNoisy(s: Spread, ratio: number, floor: number): boolean {
  const width = s.max - s.min;
  return width > floor && width > ratio * Math.abs(s.median);
}

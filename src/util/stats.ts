// The statistics svcbench uses: median and percentiles of samples, and how evenly load is spread
// (max over mean, Jain's fairness index: Jain, Chiu & Hawe, DEC-TR-301, 1984).

/** The middle value (the mean of the two middle ones for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b),
    m = v.length >> 1;
  return v.length === 0 ? NaN : v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** max(x) / mean(x): 1 when all are equal. */
export function maxOverMean(xs: ArrayLike<number>): number {
  let max = -Infinity,
    sum = 0;
  for (let i = 0; i < xs.length; i++) {
    max = Math.max(max, xs[i]);
    sum += xs[i];
  }
  return sum > 0 ? max / (sum / xs.length) : NaN;
}

/** (Σx)² / (n Σx²): 1 when all are equal, 1/n when one takes everything. */
export function jain(xs: ArrayLike<number>): number {
  let sum = 0,
    sq = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    sq += xs[i] * xs[i];
  }
  return sq > 0 ? (sum * sum) / (xs.length * sq) : NaN;
}

/** The p-quantile (0..1) by the nearest-rank method; NaN for no values. */
export function percentile(xs: ArrayLike<number>, p: number): number {
  return percentiles(xs, [p])[0];
}

/** Several p-quantiles of the same values, sorted once. */
export function percentiles(xs: ArrayLike<number>, ps: readonly number[]): number[] {
  if (xs.length === 0) return ps.map(() => NaN);
  const sorted = Float64Array.from(xs).sort();
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
}

/** Small statistics over samples; pure. */

/** The q-quantile (0..1) of `sorted` (ascending), nearest rank: a value that was measured, never interpolated. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Whether `count` samples support the `percent`-th percentile: nearest rank gives a value other than
 * the slowest sample only from 100 / (100 - percent) samples on (2 for p50, 20 for p95, 100 for p99).
 * Below that the "p99" of a handful of samples is just their maximum, and is not reported as a p99.
 */
export function supportsPercentile(count: number, percent: number): boolean {
  // In millionths of a percent, so 99.9 is exact (100 - 99.9 is 0.09999999999999432 in floating point).
  const tail = Math.round((100 - percent) * 1e6);
  return count > 0 && tail > 0 && count * tail >= 100 * 1e6;
}

/** p50, p99 and p99.9 of latencies in microseconds (sorts a copy). */
export function percentiles(samplesUs: Float64Array): { p50Us: number; p99Us: number; p999Us: number; maxUs: number } {
  const sorted = Float64Array.from(samplesUs).sort();
  return { p50Us: quantile(sorted, 0.5), p99Us: quantile(sorted, 0.99), p999Us: quantile(sorted, 0.999), maxUs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN };
}

/** Rounds to `digits` decimals (for results files people read). */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The median of `values`: the middle one of an odd count, the mean of the two middle ones of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

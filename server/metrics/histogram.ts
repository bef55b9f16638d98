/**
 * histogram_quantile as Prometheus computes it: find the bucket the rank
 * falls in and interpolate linearly inside it; the +Inf bucket answers with
 * the highest finite bound. Input: cumulative bucket rates by upper bound.
 * https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */
export function histogramQuantile(q: number, buckets: Map<number, number>): number | null {
  return histogramQuantiles([q], buckets)[0]!;
}

/** Several quantiles of one histogram, sorting its buckets once. */
export function histogramQuantiles(qs: number[], buckets: Map<number, number>): (number | null)[] {
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  if (sorted.length < 2 || sorted[sorted.length - 1]![0] !== Infinity) return qs.map(() => null);
  // Cumulative counts must not decrease (rates of separately reset series can jitter).
  for (let i = 1; i < sorted.length; i++) if (sorted[i]![1] < sorted[i - 1]![1]) sorted[i]![1] = sorted[i - 1]![1];
  return qs.map((q) => quantileOfSorted(q, sorted));
}

function quantileOfSorted(q: number, sorted: [number, number][]): number | null {
  const total = sorted[sorted.length - 1]![1];
  if (total <= 0) return null;
  const rank = q * total;
  let i = sorted.findIndex(([, c]) => c >= rank);
  if (i < 0) i = sorted.length - 1;
  if (i === sorted.length - 1) return sorted[sorted.length - 2]![0];
  const [upper, count] = sorted[i]!;
  const [lower, below] = i === 0 ? [0, 0] : sorted[i - 1]!;
  if (i === 0 && upper <= 0) return upper;
  const inBucket = count - below;
  return inBucket <= 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
}

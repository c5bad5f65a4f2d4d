// Order statistics of a handful of timings, rounded for a report a person reads.

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p95 of 50 samples is the 48th smallest, a value that was actually measured.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Differences between consecutive moments. */
export function intervals(moments: readonly number[]): number[] {
  return moments.slice(1).map((t, i) => t - moments[i]);
}

export function round(value: number, digits = 2): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}

/** Small statistics helpers shared by the load generator and the report. */

/** The p-th percentile (0-100) of numbers, nearest-rank on a sorted copy; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of the finite numbers given; NaN when there are none. */
export function median(values: readonly (number | undefined)[]): number {
  return percentile(
    values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
    50,
  );
}

/** The largest finite number given; NaN when there are none. */
export function maximum(values: readonly (number | undefined)[]): number {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length === 0 ? Number.NaN : Math.max(...finite);
}

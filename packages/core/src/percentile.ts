/**
 * The one percentile of the project (the bench, `pnpm coldstart:report` and the flood demo all report with it):
 * nearest rank, no interpolation, so every figure printed is a value that was actually measured. `p` is a percentage
 * (0–100); `values` in any order (a sorted copy is taken). NaN when there are no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

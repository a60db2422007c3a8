// Small statistics for bench figures: order statistics on raw samples, never on averages of averages.

export function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

export function minMax(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** `a/b` to two decimals, for "3.3x"-style ratios. */
export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

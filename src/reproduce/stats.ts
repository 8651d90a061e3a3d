/**
 * Summary statistics over seeds: mean, sample standard deviation (n − 1), and the 95% interval
 * of the mean from Student's t (small n is the normal case here: 2–5 seeds). Paired
 * differences use the same interval on the per-seed differences.
 */

/** Two-sided 95% quantiles of Student's t, t_{0.975, df} for df = 1..30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/**
 * t_{0.975, df}: the table to 30 degrees of freedom, then the Cornish–Fisher expansion around
 * the normal quantile (within 1e-3 beyond 30; the normal 1.96 alone is 4% low at df 31).
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface Summary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null for n < 2. */
  sd: number | null;
  /** 95% interval of the mean, [low, high]; null for n < 2. */
  ci95: [number, number] | null;
}

/** Summary of the finite values of `xs` (nulls and NaN are left out and not counted). */
export function summarize(xs: ReadonlyArray<number | null | undefined>): Summary {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null, ci95: null };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci95: [mean - half, mean + half] };
}

/** Per-seed differences b − a over the seeds both have, summarized (the paired design). */
export function pairedDifference(
  a: ReadonlyMap<number, number | null>,
  b: ReadonlyMap<number, number | null>,
): Summary & { seeds: number[] } {
  const seeds: number[] = [];
  const diffs: number[] = [];
  for (const [seed, vb] of b) {
    const va = a.get(seed);
    if (typeof va === 'number' && typeof vb === 'number' && Number.isFinite(va + vb)) {
      seeds.push(seed);
      diffs.push(vb - va);
    }
  }
  return { ...summarize(diffs), seeds: seeds.sort((x, y) => x - y) };
}

/** Mean, sample sd, the t interval and the paired difference on numbers worked out by hand. */
import { describe, expect, it } from 'vitest';
import { pairedDifference, summarize, tQuantile975 } from './stats';

describe('summary statistics', () => {
  it('mean, sample sd (n − 1) and the 95% t interval of [1, 2, 3, 4]', () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12); // Σ(x − 2.5)² = 5, / 3
    const half = (3.182 * Math.sqrt(5 / 3)) / 2; // t_{0.975, 3} = 3.182
    expect(s.ci95![0]).toBeCloseTo(2.5 - half, 12);
    expect(s.ci95![1]).toBeCloseTo(2.5 + half, 12);
  });

  it('one value: a mean, no spread; none: nothing; nulls and NaN are not counted', () => {
    expect(summarize([0.9])).toEqual({ n: 1, mean: 0.9, sd: null, ci95: null });
    expect(summarize([])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
    expect(summarize([1, null, Number.NaN, 3, undefined])).toMatchObject({ n: 2, mean: 2 });
  });

  it('t quantiles: the table to df 30, then within 1e-3 of the true values', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(2)).toBe(4.303);
    expect(tQuantile975(30)).toBe(2.042);
    // R's qt(0.975, df) for df = 31, 40, 60, 120.
    const exact: Array<[number, number]> = [
      [31, 2.039513],
      [40, 2.021075],
      [60, 2.000298],
      [120, 1.97993],
    ];
    for (const [df, t] of exact) expect(Math.abs(tQuantile975(df) - t)).toBeLessThan(1e-3);
  });

  it('paired difference: per-seed b − a over the seeds both have', () => {
    const a = new Map([
      [1, 0.8],
      [2, 0.82],
      [3, 0.79],
      [4, null],
    ]);
    const b = new Map([
      [1, 0.83],
      [2, 0.82],
      [3, 0.8],
      [4, 0.9],
      [5, 0.7],
    ]);
    const d = pairedDifference(a, b);
    expect(d.seeds).toEqual([1, 2, 3]);
    expect(d.mean).toBeCloseTo((0.03 + 0 + 0.01) / 3, 12);
    const dev = [0.03, 0, 0.01].map((x) => x - 0.04 / 3);
    expect(d.sd).toBeCloseTo(Math.sqrt(dev.reduce((s, x) => s + x * x, 0) / 2), 12);
  });
});

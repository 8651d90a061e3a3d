import { describe, expect, it } from 'vitest';
import type { ChartRow, XY } from './chartData';
import { bandPath, linePath, logAxis, nearestRow, xScaleOf, yScaleOf } from './plotGeometry';

const box = { left: 50, top: 10, width: 100, height: 200 };
const xy = (step: number, value: number): XY => ({ step, epoch: step / 100, value });
const row = (step: number, extra: Record<string, number> = {}): ChartRow =>
  ({ step, epoch: step / 100, ...extra }) as ChartRow;

/** The numbers of a path, in order. */
const nums = (d: string) => (d.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);

describe('plot scales and paths', () => {
  it('maps steps left to right and values bottom to top', () => {
    const x = xScaleOf([0, 100], box);
    const y = yScaleOf([0, 1], box, false);
    expect([x(0), x(50), x(100)]).toEqual([50, 100, 150]);
    expect([y(0), y(0.5), y(1)]).toEqual([210, 110, 10]);
    const log = yScaleOf([0.1, 10], box, true);
    expect(log(1)).toBeCloseTo(110, 9);
  });

  it('draws a line through every point, in order', () => {
    const x = xScaleOf([0, 100], box);
    const y = yScaleOf([0, 1], box, false);
    const d = linePath([xy(0, 0), xy(50, 1), xy(100, 0.5)], x, y);
    expect(d.startsWith('M')).toBe(true);
    expect(nums(d)).toEqual([50, 210, 100, 10, 150, 110]);
    expect(linePath([], x, y)).toBe('');
  });

  it('holds a value until the next one on a step line', () => {
    const x = xScaleOf([0, 100], box);
    const y = yScaleOf([0, 1], box, false);
    const d = linePath([xy(0, 0), xy(100, 1)], x, y, true);
    // Along at the first value to the next step, then up.
    expect(nums(d)).toEqual([50, 210, 150, 210, 150, 10]);
  });

  it('draws a band only over the rows that have both bounds', () => {
    const x = xScaleOf([0, 100], box);
    const y = yScaleOf([0, 1], box, false);
    const rows = [
      row(0, { g__lo: 0, g__hi: 1 }),
      row(50, { other: 0.3 }),
      row(100, { g__lo: 0.5, g__hi: 1 }),
    ];
    const d = bandPath(rows, 'g__lo', 'g__hi', x, y);
    // Upper edge left to right, lower edge back: x 50 → 150 → 150 → 50, never 100.
    const xs = nums(d).filter((_, i) => i % 2 === 0);
    expect(xs).toEqual([50, 150, 150, 50]);
    expect(bandPath([row(50, { other: 1 })], 'g__lo', 'g__hi', x, y)).toBe('');
  });
});

describe('logAxis', () => {
  it('rounds out to powers of ten over several decades, ticks inside the domain', () => {
    const a = logAxis(0.03, 40);
    expect(a.domain).toEqual([0.01, 100]);
    expect(a.ticks).toEqual([0.01, 0.1, 1, 10, 100]);
    expect(a.decimals).toBe(2);
  });

  it('keeps at most six ticks within one decade, all inside the domain', () => {
    for (const [lo, hi] of [
      [0.21, 0.9],
      [1.2, 2.3],
      [0.05, 2.4],
      [3, 3],
    ] as const) {
      const a = logAxis(lo, hi);
      expect(a.ticks.length).toBeGreaterThan(0);
      expect(a.ticks.length).toBeLessThanOrEqual(6);
      expect(a.domain[0]).toBeLessThanOrEqual(lo);
      expect(a.domain[1]).toBeGreaterThanOrEqual(hi);
      for (const t of a.ticks) {
        expect(t).toBeGreaterThanOrEqual(a.domain[0]);
        expect(t).toBeLessThanOrEqual(a.domain[1]);
      }
    }
  });

  it('falls back to a fixed axis for values a log axis cannot place', () => {
    expect(logAxis(0, 1).domain).toEqual([0.1, 1]);
    expect(logAxis(Number.NaN, 1).domain).toEqual([0.1, 1]);
  });
});

describe('nearestRow', () => {
  it('finds the nearest step, as a scan would (ties to the left)', () => {
    const rows = [0, 10, 20, 35, 90].map((s) => row(s));
    for (let step = -5; step <= 100; step += 0.5) {
      let best = 0;
      for (let i = 1; i < rows.length; i++)
        if (Math.abs(rows[i]!.step - step) < Math.abs(rows[best]!.step - step)) best = i;
      expect(nearestRow(rows, step), `step ${step}`).toBe(best);
    }
    expect(nearestRow([], 3)).toBe(-1);
  });
});

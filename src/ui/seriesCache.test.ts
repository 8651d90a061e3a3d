import { describe, expect, it } from 'vitest';
import { emptyPoint } from '../../test/recordFixture';
import type { Point } from '../engine/runRecord';
import { prepareSeries } from './chartData';
import { preparedIncremental } from './seriesCache';

const pt = emptyPoint;

/** A noisy curve with uneven spacing (the median gap moves as points arrive) and gaps in it. */
function curve(n: number, from = 0): Point[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    const step = k < 30 ? k * 10 : 300 + (k - 30) * 25;
    return pt(step, {
      testCE: k % 7 === 3 ? null : 2 / (1 + k) + 0.1 * Math.sin(k * 1.7),
      sigma: k % 5 === 0 ? 0 : 1 + 0.01 * k,
    });
  });
}

describe('preparedIncremental', () => {
  for (const opts of [
    { smoothing: 0, logScale: false, maxPoints: 500 },
    { smoothing: 0.9, logScale: false, maxPoints: 500 },
    { smoothing: 0.6, logScale: true, maxPoints: 40 },
  ]) {
    it(`equals prepareSeries on the whole array at every flush (${JSON.stringify(opts)})`, () => {
      const all = curve(120);
      const id = `run-${opts.smoothing}-${opts.logScale}`;
      // Flushes of 1-4 points, each a new array (as streamMerge gives).
      for (let n = 1, k = 0; n <= all.length; n += 1 + (k++ % 4)) {
        const points = all.slice(0, n);
        for (const key of ['testCE', 'sigma'] as const) {
          const got = preparedIncremental(id, points, key, opts);
          const want = prepareSeries({ id, points }, key, opts);
          expect(got.latest).toEqual(want.latest);
          expect(got.raw).toEqual(want.raw);
          expect(got.main.length).toBe(want.main.length);
          got.main.forEach((p, i) => {
            expect(p.step).toBe(want.main[i]!.step);
            expect(p.value).toBeCloseTo(want.main[i]!.value, 12);
          });
        }
      }
    });
  }

  it('keeps the same series object when a flush adds no value of that metric', () => {
    const a = [pt(10, { testCE: 1 }), pt(20, { testCE: 0.9 })];
    const opts = { smoothing: 0.5, logScale: false, maxPoints: 500 };
    const first = preparedIncremental('same', a, 'testCE', opts);
    const b = [...a, pt(30, { gini: 0.3 })];
    expect(preparedIncremental('same', b, 'testCE', opts)).toBe(first);
    const c = [...b, pt(40, { testCE: 0.8 })];
    expect(preparedIncremental('same', c, 'testCE', opts)).not.toBe(first);
  });

  it('starts over when a resend replaced the tail', () => {
    const opts = { smoothing: 0, logScale: false, maxPoints: 500 };
    const a = [pt(10, { testCE: 1 }), pt(20, { testCE: 0.9 }), pt(30, { testCE: 0.8 })];
    preparedIncremental('tail', a, 'testCE', opts);
    const b = [a[0]!, pt(20, { testCE: 0.5 }), pt(30, { testCE: 0.4 }), pt(40, { testCE: 0.3 })];
    expect(preparedIncremental('tail', b, 'testCE', opts).main.map((p) => p.value)).toEqual([
      1, 0.5, 0.4, 0.3,
    ]);
  });
});

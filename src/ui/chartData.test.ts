import { describe, expect, it } from 'vitest';
import { emptyPoint } from '../../test/recordFixture';
import {
  collectMarkers,
  downsampleMinMax,
  emaSmooth,
  eventLabel,
  extractSeries,
  gapReadout,
  labelRows,
  medianGap,
  mergeRows,
  niceScale,
  prepareSeries,
  rawKey,
  stepScale,
  type XY,
} from './chartData';

const xy = (pairs: [number, number][]): XY[] =>
  pairs.map(([step, value]) => ({ step, epoch: step / 100, value }));

const pt = emptyPoint;

describe('EMA smoothing', () => {
  it('matches TensorBoard’s debiased EMA on evenly spaced points', () => {
    const data = xy([
      [0, 1],
      [10, 3],
      [20, 2],
      [30, 5],
    ]);
    const w = 0.6;
    let last = 0;
    const tb = data.map((p, i) => {
      last = last * w + (1 - w) * p.value;
      return last / (1 - w ** (i + 1));
    });
    const got = emaSmooth(data, w).map((p) => p.value);
    got.forEach((v, i) => expect(v).toBeCloseTo(tb[i], 12));
  });

  it('keeps a constant series constant (debiased, any spacing)', () => {
    const data = xy([
      [0, 2],
      [1, 2],
      [50, 2],
      [51, 2],
      [400, 2],
    ]);
    for (const p of emaSmooth(data, 0.9)) expect(p.value).toBeCloseTo(2, 12);
  });

  it('weighs a point after a long gap more than one after a short gap', () => {
    const short = emaSmooth(
      xy([
        [0, 0],
        [10, 0],
        [20, 0],
        [30, 1],
      ]),
      0.8,
      10,
    );
    const long = emaSmooth(
      xy([
        [0, 0],
        [10, 0],
        [20, 0],
        [100, 1],
      ]),
      0.8,
      10,
    );
    expect(long[3].value).toBeGreaterThan(short[3].value);
    expect(long[3].value).toBeGreaterThan(0.8); // 8 units of decay: 1 − 0.8^8 of the weight
  });

  it('does not depend on sampling density (same unit, step input)', () => {
    const sparse: [number, number][] = [];
    const dense: [number, number][] = [];
    for (let s = 0; s <= 200; s += 20) sparse.push([s, s >= 100 ? 1 : 0]);
    for (let s = 0; s <= 200; s += 5) dense.push([s, s >= 100 ? 1 : 0]);
    // Shift so each sample stands for the interval before it, on both grids.
    const a = emaSmooth(xy(sparse), 0.9, 20);
    const b = emaSmooth(xy(dense), 0.9, 20);
    const at = (xs: XY[], step: number) => xs.find((p) => p.step === step)!.value;
    // Before the jump both are exactly 0; long after, both approach 1 at the same rate.
    expect(at(a, 80)).toBe(0);
    expect(at(b, 80)).toBe(0);
    expect(Math.abs(at(a, 200) - at(b, 200))).toBeLessThan(0.08);
  });

  it('is the identity at weight 0 and handles empty input', () => {
    const data = xy([
      [0, 1],
      [5, 9],
    ]);
    expect(emaSmooth(data, 0)).toEqual(data);
    expect(emaSmooth([], 0.5)).toEqual([]);
    expect(
      medianGap(
        xy([
          [0, 1],
          [10, 1],
          [30, 1],
          [40, 1],
        ]),
      ),
    ).toBe(10);
  });
});

describe('downsampling', () => {
  const wave = (n: number) =>
    xy(
      Array.from({ length: n }, (_, i) => [
        i * 10,
        Math.sin(i / 37) + (i === 1234 ? 50 : 0) - (i === 4321 ? 60 : 0),
      ]),
    );

  it('keeps first and last, global extremes, order, and the limit', () => {
    const data = wave(10_000);
    const out = downsampleMinMax(data, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out[0]).toBe(data[0]);
    expect(out.at(-1)).toBe(data.at(-1));
    const vals = data.map((p) => p.value);
    const outVals = out.map((p) => p.value);
    expect(Math.max(...outVals)).toBe(Math.max(...vals));
    expect(Math.min(...outVals)).toBe(Math.min(...vals));
    for (let i = 1; i < out.length; i++) expect(out[i].step).toBeGreaterThan(out[i - 1].step);
  });

  it('returns short series unchanged', () => {
    const data = wave(100);
    expect(downsampleMinMax(data, 500)).toEqual(data);
    expect(downsampleMinMax(data, 2)).toEqual([data[0], data[99]]);
  });
});

describe('series and rows', () => {
  it('skips nulls, and non-positive values on a log axis', () => {
    const pts = [
      pt(0, { testCE: 2 }),
      pt(10),
      pt(20, { testCE: 0 }),
      pt(30, { testCE: Number.NaN }),
    ];
    expect(extractSeries(pts, 'testCE').map((p) => p.step)).toEqual([0, 20]);
    expect(extractSeries(pts, 'testCE', true).map((p) => p.step)).toEqual([0]);
  });

  it('merges series into step-keyed rows with raw lines when smoothing', () => {
    const a = prepareSeries(
      { id: 'a', points: [pt(0, { testAcc: 0.1 }), pt(50, { testAcc: 0.5 })] },
      'testAcc',
      {
        smoothing: 0.5,
        logScale: false,
        maxPoints: 500,
      },
    );
    const b = prepareSeries({ id: 'b', points: [pt(25, { testAcc: 0.3 })] }, 'testAcc', {
      smoothing: 0,
      logScale: false,
      maxPoints: 500,
    });
    const rows = mergeRows([a, b]);
    expect(rows.map((r) => r.step)).toEqual([0, 25, 50]);
    expect(rows[0].a).toBeCloseTo(0.1);
    expect(rows[2][rawKey('a')]).toBe(0.5);
    expect(rows[1].b).toBe(0.3);
    expect(b.raw).toEqual([]);
    expect(a.latest?.value).toBe(0.5);
  });
});

describe('markers', () => {
  it('labels changes and dedupes shared twin events', () => {
    expect(eventLabel({ kind: 'change', step: 5, setting: 'lambda', from: 0.6, to: 0.8 })).toBe(
      'λ 0.6→0.8',
    );
    expect(
      eventLabel({ kind: 'change', step: 5, setting: 'method', from: 'vanilla', to: 'itra-c' }),
    ).toBe('→ ITRA-c');
    const m = collectMarkers([
      {
        color: 'red',
        events: [
          { kind: 'warmup-end', step: 200 },
          { kind: 'collapsed', step: 300, detail: '' },
        ],
      },
      { color: 'blue', events: [{ kind: 'warmup-end', step: 200 }] },
    ]);
    expect(m.map((x) => `${x.step}:${x.label}`)).toEqual(['200:warm-up end', '300:collapsed']);
  });
});

describe('marker bursts and label rows', () => {
  it('merges a slider drag into one marker, keeps separate changes apart', () => {
    const ev = (step: number, from: number, to: number) =>
      ({ kind: 'change', step, setting: 'lambda', from, to }) as const;
    const runs = [
      {
        color: 'red',
        events: [
          ev(100, 0.6, 0.65),
          ev(104, 0.65, 0.8),
          ev(108, 0.8, 1.2),
          { kind: 'change', step: 110, setting: 'method', from: 'itra-c', to: 'vanilla' } as const,
          ev(500, 1.2, 0.6),
        ],
      },
    ];
    expect(collectMarkers(runs, 40, 0).map((m) => m.label)).toHaveLength(5);
    const merged = collectMarkers(runs, 40, 10);
    expect(merged.map((m) => `${m.step}:${m.label}`)).toEqual([
      '100:λ 0.6→1.2',
      '110:→ Vanilla SGD',
      '500:λ 1.2→0.6',
    ]);
  });

  it('names the twin side of a one-sided change, not of a shared one', () => {
    const lam = { kind: 'change', step: 300, setting: 'lambda', from: 0.6, to: 0.8 } as const;
    const lr = { kind: 'change', step: 400, setting: 'lr', from: 0.01, to: 0.005 } as const;
    const m = collectMarkers([
      { color: 'a', side: 'A', events: [lr] },
      { color: 'b', side: 'B', events: [lam, lr] },
    ]);
    expect(m.map((x) => x.label)).toEqual(['B: λ 0.6→0.8', 'lr 0.01→0.005']);
  });

  it('says from → to for the Gini + KL weights and weight decay, as for λ and lr', () => {
    const change = (setting: 'lambdaGini' | 'lambdaKl' | 'weightDecay', from: number, to: number) =>
      eventLabel({ kind: 'change', step: 5, setting, from, to });
    expect(change('lambdaGini', 0.5, 1)).toBe('λ_gini 0.5→1');
    expect(change('lambdaKl', 0.5, 0.25)).toBe('λ_kl 0.5→0.25');
    expect(change('weightDecay', 0, 5e-4)).toBe('wd 0→0.0005');
    expect(
      eventLabel({ kind: 'change', step: 5, setting: 'method', from: 'itra-c', to: 'discern' }),
    ).toBe('→ Gini + KL (discriminability)');
  });

  it('extracts the Gini, KL and learning-rate series like the others', () => {
    const pts = [pt(10, { gini: 0.8, kl: 0.1, lr: 0.01 }), pt(20, { gini: null, lr: 0.005 })];
    expect(extractSeries(pts, 'gini').map((x) => x.value)).toEqual([0.8]);
    expect(extractSeries(pts, 'kl').map((x) => x.value)).toEqual([0.1]);
    expect(extractSeries(pts, 'lr').map((x) => [x.step, x.value])).toEqual([
      [10, 0.01],
      [20, 0.005],
    ]);
  });

  it('assigns label rows greedily and leaves crowded markers unlabelled', () => {
    const m = (step: number) => ({ step, label: 'x', kind: 'warmup-end' as const, color: '' });
    expect(labelRows([m(0), m(10), m(20), m(100)], 50, 2)).toEqual([0, 1, -1, 0]);
  });
});

describe('twin gap readout', () => {
  it('reports B − A at the latest common step with values', () => {
    const a = [
      pt(50, { testCE: 0.5, testAcc: 0.8, intraDist: 0.6 }),
      pt(100, { testCE: 0.4, testAcc: 0.85, intraDist: 0.55 }),
    ];
    const b = [
      pt(50, { testCE: 0.45, testAcc: 0.82, intraDist: 0.4 }),
      pt(100, { testCE: 0.38, testAcc: 0.86, intraDist: 0.35 }),
      pt(150, { testCE: 0.3 }),
    ];
    const g = gapReadout(a, b)!;
    expect(g.step).toBe(100);
    expect(g.testCE).toBeCloseTo(-0.02, 12);
    expect(g.testAcc).toBeCloseTo(0.01, 12);
    expect(g.intraDist).toBeCloseTo(-0.2, 12);
  });

  it('gives null for a metric missing on one side, and null when nothing is shared', () => {
    const g = gapReadout(
      [pt(10, { testCE: 1, testAcc: null })],
      [pt(10, { testCE: 0.5, testAcc: 0.3 })],
    )!;
    expect(g.testCE).toBe(-0.5);
    expect(g.testAcc).toBeNull();
    expect(gapReadout([pt(10, { testCE: 1 })], [pt(20, { testCE: 1 })])).toBeNull();
    expect(gapReadout([], [])).toBeNull();
  });
});

describe('niceScale / stepScale', () => {
  it('covers the data with round bounds and round ticks', () => {
    const s = niceScale(0.113, 0.786);
    expect(s.domain).toEqual([0, 0.8]);
    expect(s.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    const ce = niceScale(0.62, 2.31);
    expect(ce.domain[0]).toBeLessThanOrEqual(0.62);
    expect(ce.domain[1]).toBeGreaterThanOrEqual(2.31);
    expect(ce.ticks.length).toBeGreaterThanOrEqual(4);
    expect(ce.ticks.length).toBeLessThanOrEqual(11);
  });

  it('does not move while the data stays within the same ticks (the axes stay as they were)', () => {
    expect(niceScale(0.12, 0.71)).toEqual(niceScale(0.05, 0.79));
    expect(stepScale(410)).toEqual(stepScale(480));
    expect(stepScale(480).domain).toEqual([0, 500]);
    expect(stepScale(501).domain[1]).toBeGreaterThanOrEqual(501);
  });

  it('handles a flat series, tiny values and non-finite input', () => {
    const flat = niceScale(0.5, 0.5);
    expect(flat.domain[0]).toBeLessThan(0.5);
    expect(flat.domain[1]).toBeGreaterThan(0.5);
    const tiny = niceScale(1e-7, 3e-7);
    expect(tiny.domain[0]).toBeLessThanOrEqual(1e-7);
    expect(tiny.domain[1]).toBeGreaterThanOrEqual(3e-7);
    expect(new Set(tiny.ticks).size).toBe(tiny.ticks.length);
    expect(niceScale(Number.NaN, 1)).toEqual({ domain: [0, 1], ticks: [0, 1], decimals: 0 });
  });

  it('never goes below 0 for a non-negative metric, even when the series is flat at 0', () => {
    const zero = niceScale(0, 0, { nonNegative: true });
    expect(zero.domain[0]).toBe(0);
    expect(zero.domain[1]).toBeGreaterThan(0);
    expect(niceScale(0.01, 0.9, { nonNegative: true }).domain[0]).toBe(0);
  });

  it('gives enough decimals to tell the ticks apart', () => {
    for (const [lo, hi] of [
      [2.3121, 2.3179],
      [0.1, 0.35],
      [0.62, 2.31],
      [0, 47],
    ]) {
      const s = niceScale(lo!, hi!);
      const labels = s.ticks.map((t) => t.toFixed(s.decimals));
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it('the step axis has whole-number ticks, 1-2-5 spaced, from 0', () => {
    for (const last of [0, 1, 3, 17, 1250, 98_765]) {
      const s = stepScale(last);
      expect(s.domain[0]).toBe(0);
      expect(s.domain[1]).toBeGreaterThanOrEqual(last);
      for (const t of s.ticks) expect(Number.isInteger(t)).toBe(true);
      const step = s.ticks[1]! - s.ticks[0]!;
      expect(String(step / 10 ** Math.floor(Math.log10(step)))).toMatch(/^(1|2|5)$/);
    }
  });
});

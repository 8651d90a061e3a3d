/** Seed groups and their mean ± sd bands, against the CLI's meanCurve. */
import { describe, expect, it } from 'vitest';
import { vanillaPoint } from '../../test/recordFixture';
import { DEFAULT_CONFIG, type Method } from '../engine/config';
import { type Point, RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type RunRecord } from '../engine/runRecord';
import { CURVE_METRICS, meanCurve } from '../reproduce/summary';
import {
  type BandGroup,
  bandSeries,
  cachedBandSeries,
  groupBySeed,
  meanBand,
  seedGroupKey,
  strideIndices,
} from './bands';

const pt = (step: number, acc: number | null, ce = 1, intra = 0.5) =>
  vanillaPoint(step, { testAcc: acc, testCE: ce, trainCE: ce, intraDist: intra });

function rec(
  id: string,
  method: Method,
  seed: number,
  points: Point[],
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    schema: RUN_SCHEMA_ID,
    version: RUN_SCHEMA_VERSION,
    id,
    name: id,
    createdAt: '2026-12-01T00:00:00Z',
    config: { ...DEFAULT_CONFIG, method, seed, maxSteps: 30 },
    data: { trainSize: 8000, testSize: 2000, evalSize: 100, split: 'carved' },
    environment: { backend: 'wasm', runtime: 'test', tfjsVersion: '4.22.0' },
    status: 'completed',
    steps: 30,
    points,
    events: [],
    ...extra,
  };
}

const sweep = (id: string, method: Method, seed: number) => ({
  id,
  coords: { method, ...(method === 'itra-c' ? { lambda: 0.8 } : {}), seed },
});
const entry = (r: RunRecord, current = false) => ({
  id: r.id,
  color: `#${r.id}`,
  record: r,
  current,
});

describe('grouping by seed', () => {
  const a1 = rec('a1', 'vanilla', 1, [pt(10, 0.5)], { sweep: sweep('S', 'vanilla', 1) });
  const a2 = rec('a2', 'vanilla', 2, [pt(10, 0.7)], { sweep: sweep('S', 'vanilla', 2) });
  const b1 = rec('b1', 'itra-c', 1, [pt(10, 0.6)], { sweep: sweep('S', 'itra-c', 1) });
  const b2 = rec('b2', 'itra-c', 2, [pt(10, 0.8)], { sweep: sweep('S', 'itra-c', 2) });

  it('groups a sweep by its coordinates without the seed; singles stay lines', () => {
    const lone = rec('z', 'lsr', 1, [pt(10, 0.1)], { sweep: sweep('S', 'lsr', 1) });
    const { groups, grouped } = groupBySeed([a1, a2, b1, b2, lone].map((r) => entry(r)));
    expect(groups.map((g) => g.members.map((m) => m.id))).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);
    expect(groups[1]!.name).toMatch(/^itra-c λ0.8 · fmnist · small \(mean ± sd of 2 seeds\)$/);
    expect([...grouped].sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(groups[0]!.color).toBe('#a1');
    expect(groups[0]!.id).toMatch(/^band-[0-9a-z]+$/);
  });

  it('keeps sweeps apart, and groups other runs by every setting but the seed', () => {
    const other = rec('o', 'vanilla', 3, [], { sweep: sweep('T', 'vanilla', 3) });
    expect(seedGroupKey(other)).not.toBe(seedGroupKey(a1));
    const x1 = rec('x1', 'vanilla', 1, []);
    const x2 = rec('x2', 'vanilla', 2, []);
    const y = rec('y', 'vanilla', 3, [], { config: { ...x1.config, seed: 3, lr: 0.05 } });
    const k = rec('k', 'vanilla', 4, [], { config: { ...x1.config, seed: 4, dataset: 'kmnist' } });
    expect(seedGroupKey(x1)).toBe(seedGroupKey(x2));
    expect(seedGroupKey(x1)).not.toBe(seedGroupKey(y));
    expect(seedGroupKey(x1)).not.toBe(seedGroupKey(k));
    // A run with live changes differs by more than its seed.
    const changed = rec('c', 'vanilla', 5, [], {
      events: [{ kind: 'change', step: 5, setting: 'lr', from: 0.01, to: 0.1 }],
    });
    expect(seedGroupKey(changed)).not.toBe(seedGroupKey(x1));
  });

  it('leaves a cancelled or failed sweep run out of its group', () => {
    const stopped = rec('a3', 'vanilla', 3, [pt(10, 0.1)], {
      sweep: sweep('S', 'vanilla', 3),
      status: 'stopped',
    });
    const { groups, grouped } = groupBySeed([a1, a2, stopped].map((r) => entry(r)));
    expect(groups[0]!.members.map((m) => m.id)).toEqual(['a1', 'a2']);
    expect(grouped.has('a3')).toBe(false);
  });
});

describe('mean ± sd per step', () => {
  const r1 = rec('r1', 'vanilla', 1, [
    pt(5, 0.2, 2, 0.9),
    pt(10, 0.4, 1.5, 0.7),
    pt(15, 0.6, 1, 0.5),
  ]);
  const r2 = rec('r2', 'vanilla', 2, [pt(5, 0.4, 2.2, 0.8), pt(10, 0.6, 1.1, 0.6)]);
  const r3 = rec('r3', 'vanilla', 3, [pt(5, 9, 9, 9), pt(10, 9, 9, 9)], { status: 'diverged' });
  const members = [r1, r2, r3].map((r) => ({ id: r.id, points: r.points, status: r.status }));

  it('matches meanCurve (diverged left out, only the steps every run has)', () => {
    for (const m of CURVE_METRICS) {
      const ours = meanBand(members, m).map(({ epoch: _e, ...p }) => p);
      expect(ours).toEqual(meanCurve([r1, r2, r3], m));
    }
    const acc = meanBand(members, 'testAcc');
    expect(acc.map((p) => p.step)).toEqual([5, 10]);
    expect(acc[0]!.mean).toBeCloseTo(0.3, 12);
    expect(acc[0]!.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(acc[0]!.n).toBe(2);
  });

  it('skips null values and gives sd 0 for a single run', () => {
    const a = { id: 'a', points: [pt(5, null), pt(10, 0.5)], status: 'completed' as const };
    expect(meanBand([a], 'testAcc')).toEqual([{ step: 10, epoch: 0.1, mean: 0.5, sd: 0, n: 1 }]);
    expect(meanBand([], 'testAcc')).toEqual([]);
  });

  it('draws mean, low and high on the same steps; smoothing moves all three alike', () => {
    const g: BandGroup = { id: 'g', key: 'g', name: 'g', color: '#000', members, current: false };
    const b = bandSeries(g, 'testAcc', { smoothing: 0, logScale: false, maxPoints: 500 });
    expect(b.n).toBe(2);
    expect(b.mean.main.map((p) => p.step)).toEqual([5, 10]);
    expect(b.lo.id).toBe('g__lo');
    b.mean.main.forEach((p, i) => {
      expect(b.hi.main[i]!.value - p.value).toBeCloseTo(p.value - b.lo.main[i]!.value, 12);
    });
    const s = bandSeries(g, 'testAcc', { smoothing: 0.6, logScale: false, maxPoints: 500 });
    s.mean.main.forEach((p, i) => {
      const half = (s.hi.main[i]!.value - s.lo.main[i]!.value) / 2;
      expect(p.value).toBeCloseTo(s.lo.main[i]!.value + half, 12);
    });
  });

  it('on a log axis leaves out steps whose low edge is not positive', () => {
    const a = { id: 'a', points: [pt(5, 0.01), pt(10, 0.5)], status: 'completed' as const };
    const c = { id: 'c', points: [pt(5, 1), pt(10, 0.6)], status: 'completed' as const };
    const g: BandGroup = {
      id: 'g',
      key: 'g',
      name: 'g',
      color: '#000',
      members: [a, c],
      current: false,
    };
    const b = bandSeries(g, 'testAcc', { smoothing: 0, logScale: true, maxPoints: 500 });
    expect(b.mean.main.map((p) => p.step)).toEqual([10]);
  });

  it('is computed once while the members keep their points', () => {
    const g = (ms = members): BandGroup => ({
      id: 'cache-g',
      key: 'k',
      name: 'g',
      color: '#000',
      members: ms,
      current: false,
    });
    const opts = { smoothing: 0, logScale: false, maxPoints: 500 };
    const first = cachedBandSeries(g(), 'testAcc', opts);
    expect(cachedBandSeries(g(), 'testAcc', opts)).toBe(first);
    const grown = [
      ...members.slice(0, 1),
      { ...members[1]!, points: [...r2.points, pt(15, 0.8)] },
      members[2]!,
    ];
    const next = cachedBandSeries(g(grown), 'testAcc', opts);
    expect(next).not.toBe(first);
    expect(next.mean.main.map((p) => p.step)).toEqual([5, 10, 15]);
  });
});

describe('strideIndices', () => {
  it('keeps the first and the last, at most max', () => {
    expect(strideIndices(3, 10)).toEqual([0, 1, 2]);
    const idx = strideIndices(1000, 50);
    expect(idx.length).toBeLessThanOrEqual(50);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(999);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
  });
});

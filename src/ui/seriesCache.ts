/**
 * Incremental chart series: per run, metric and smoothing, the finite values and their EMA are
 * extended with the points that arrived since the last call, not re-read from step 0 at every
 * flush (a live run gets a new points array twice a second). The result equals prepareSeries
 * on the whole array (chartData.test.ts checks it point by point).
 */
import type { Point } from '../engine/runRecord';
import {
  downsampleMinMax,
  emaSmooth,
  type MetricKey,
  type PreparedSeries,
  type PrepareOptions,
  type XY,
} from './chartData';

interface State {
  points: readonly Point[];
  /** Points consumed, and the last one (a resend that replaced the tail must not pass as an append). */
  consumed: number;
  last: Point | undefined;
  xs: XY[];
  /** Step gaps between consecutive values, counted: the median gap without sorting them all. */
  gaps: Map<number, number>;
  gapCount: number;
  unit: number;
  smoothed: XY[];
  acc: number;
  norm: number;
  result: PreparedSeries;
}

/** Series kept (runs × metrics × smoothing settings); the oldest go first. */
const MAX_ENTRIES = 600;
const cache = new Map<string, State>();

/** The median of the counted gaps (medianGap's definition: 1 when there are none). */
function histogramMedian(gaps: Map<number, number>, count: number): number {
  if (count === 0) return 1;
  const keys = [...gaps.keys()].sort((a, b) => a - b);
  const at = (k: number) => {
    let seen = 0;
    for (const g of keys) {
      seen += gaps.get(g)!;
      if (seen > k) return g;
    }
    return keys[keys.length - 1]!;
  };
  const m = count >> 1;
  return count % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

function fresh(points: readonly Point[]): State {
  return {
    points,
    consumed: 0,
    last: undefined,
    xs: [],
    gaps: new Map(),
    gapCount: 0,
    unit: 1,
    smoothed: [],
    acc: 0,
    norm: 0,
    result: { id: '', main: [], raw: [], latest: null },
  };
}

/** prepareSeries(points, key, opts), reusing what the previous call for `runId` computed. */
export function preparedIncremental(
  runId: string,
  points: readonly Point[],
  key: MetricKey,
  opts: PrepareOptions,
): PreparedSeries {
  const id = `${runId}|${key}|${opts.smoothing}|${opts.logScale}|${opts.maxPoints}`;
  let s = cache.get(id);
  if (s && s.points === points) return s.result;
  const appended =
    s &&
    points.length >= s.consumed &&
    (s.consumed === 0 || points[s.consumed - 1] === s.last) &&
    (s.consumed === 0 || points[0] === s.points[0]);
  if (!s || !appended) s = fresh(points);
  cache.delete(id);
  cache.set(id, s);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);

  const before = s.xs.length;
  for (let i = s.consumed; i < points.length; i++) {
    const p = points[i]!;
    const v = p[key];
    if (v === null || !Number.isFinite(v)) continue;
    if (opts.logScale && v <= 0) continue;
    const prev = s.xs[s.xs.length - 1];
    if (prev) {
      const g = p.step - prev.step;
      if (g > 0) {
        s.gaps.set(g, (s.gaps.get(g) ?? 0) + 1);
        s.gapCount++;
      }
    }
    s.xs.push({ step: p.step, epoch: p.epoch, value: v });
  }
  s.points = points;
  s.consumed = points.length;
  s.last = points[points.length - 1];
  if (s.xs.length === before && s.result.id === runId) return s.result;

  if (opts.smoothing > 0) {
    const unit = histogramMedian(s.gaps, s.gapCount);
    if (unit !== s.unit || s.smoothed.length === 0) {
      // The spacing changed (rare): the whole EMA depends on it.
      s.unit = unit;
      s.smoothed = emaSmooth(s.xs, opts.smoothing, unit);
      s.acc = 0;
      s.norm = 0;
      // Recover the running sums from the last output (value = acc / norm) by replaying.
      replayState(s, opts.smoothing);
    } else {
      const w = Math.min(opts.smoothing, 0.999);
      for (let i = before; i < s.xs.length; i++) {
        const p = s.xs[i]!;
        const prevStep = i > 0 ? s.xs[i - 1]!.step : null;
        const gap = prevStep === null ? unit : p.step - prevStep;
        const a = gap > 0 ? w ** (gap / unit) : w;
        s.acc = a * s.acc + (1 - a) * p.value;
        s.norm = a * s.norm + (1 - a);
        s.smoothed.push({ step: p.step, epoch: p.epoch, value: s.acc / s.norm });
      }
    }
  }
  const main = opts.smoothing > 0 ? s.smoothed : s.xs;
  s.result = {
    id: runId,
    main: downsampleMinMax(main, opts.maxPoints),
    raw: opts.smoothing > 0 ? downsampleMinMax(s.xs, opts.maxPoints) : [],
    latest: s.xs.length ? s.xs[s.xs.length - 1]! : null,
  };
  return s.result;
}

/** The EMA's running sums after the last value, as emaSmooth accumulates them. */
function replayState(s: State, smoothing: number) {
  const w = Math.min(smoothing, 0.999);
  let acc = 0;
  let norm = 0;
  let prev: number | null = null;
  for (const p of s.xs) {
    const gap = prev === null ? s.unit : p.step - prev;
    const a = gap > 0 ? w ** (gap / s.unit) : w;
    acc = a * acc + (1 - a) * p.value;
    norm = a * norm + (1 - a);
    prev = p.step;
  }
  s.acc = acc;
  s.norm = norm;
}

/**
 * Pure chart preparation: series extraction, EMA smoothing that respects uneven step
 * spacing, downsampling that keeps extremes, row merging for the plot's readout and table, event markers and
 * the twin gap readout. No React, no DOM: unit-tested in Node.
 */
import { METHOD_LABELS, type Method } from '../engine/config';
import type { Point, RunEvent } from '../engine/runRecord';

export type MetricKey =
  | 'intraDist'
  | 'testAcc'
  | 'testCE'
  | 'trainCE'
  | 'match'
  | 'sigma'
  | 'gini'
  | 'kl'
  | 'lr';

export interface XY {
  step: number;
  epoch: number;
  value: number;
}

/** The finite values of one metric, in step order. */
export function extractSeries(
  points: readonly Point[],
  key: MetricKey,
  positiveOnly = false,
): XY[] {
  const out: XY[] = [];
  for (const p of points) {
    const v = p[key];
    if (v === null || !Number.isFinite(v)) continue;
    if (positiveOnly && v <= 0) continue; // a log axis cannot place 0 or below
    out.push({ step: p.step, epoch: p.epoch, value: v });
  }
  return out;
}

/** Median gap between consecutive steps (1 when there are fewer than two points). */
export function medianGap(xs: readonly XY[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < xs.length; i++) {
    const g = xs[i].step - xs[i - 1].step;
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return 1;
  gaps.sort((a, b) => a - b);
  const m = gaps.length >> 1;
  return gaps.length % 2 ? gaps[m] : (gaps[m - 1] + gaps[m]) / 2;
}

/**
 * Debiased exponential moving average (TensorBoard's), generalised to uneven spacing: the
 * decay over a gap of `g` steps is `weight^(g / unit)`, so a point after a long gap counts
 * for more, and sampling density does not change the curve. `unit` defaults to the median
 * gap, which makes evenly spaced data match TensorBoard exactly.
 */
export function emaSmooth(xs: readonly XY[], weight: number, unit?: number): XY[] {
  if (!(weight > 0) || xs.length === 0) return xs.slice();
  const w = Math.min(weight, 0.999);
  const u = unit && unit > 0 ? unit : medianGap(xs);
  const out: XY[] = [];
  let acc = 0;
  let norm = 0;
  let prev: number | null = null;
  for (const p of xs) {
    const gap = prev === null ? u : p.step - prev;
    const a = gap > 0 ? w ** (gap / u) : w;
    acc = a * acc + (1 - a) * p.value;
    norm = a * norm + (1 - a);
    prev = p.step;
    out.push({ step: p.step, epoch: p.epoch, value: acc / norm });
  }
  return out;
}

/**
 * Min/max per bucket: keeps the first and last point and, per bucket, the lowest and the
 * highest, in step order. Global extremes always survive (each is its bucket's extreme).
 */
export function downsampleMinMax(xs: readonly XY[], maxPoints: number): XY[] {
  const n = xs.length;
  if (n <= maxPoints) return xs.slice();
  if (maxPoints < 4) return [xs[0], xs[n - 1]];
  const buckets = Math.floor((maxPoints - 2) / 2);
  const inner = n - 2;
  const out: XY[] = [xs[0]];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (xs[i].value < xs[lo].value) lo = i;
      if (xs[i].value > xs[hi].value) hi = i;
    }
    if (lo === hi) out.push(xs[lo]);
    else if (lo < hi) out.push(xs[lo], xs[hi]);
    else out.push(xs[hi], xs[lo]);
  }
  out.push(xs[n - 1]);
  return out;
}

export interface SeriesInput {
  id: string;
  points: readonly Point[];
}

export interface PreparedSeries {
  id: string;
  /** Smoothed (or raw when smoothing is 0) values: the line users read. */
  main: XY[];
  /** Raw values when smoothing is on (drawn faded), else empty. */
  raw: XY[];
  /** The last raw value, for readouts. */
  latest: XY | null;
}

export interface PrepareOptions {
  smoothing: number;
  logScale: boolean;
  maxPoints: number;
}

export function prepareSeries(
  input: SeriesInput,
  key: MetricKey,
  opts: PrepareOptions,
): PreparedSeries {
  const xs = extractSeries(input.points, key, opts.logScale);
  const smoothed = opts.smoothing > 0 ? emaSmooth(xs, opts.smoothing) : xs;
  return {
    id: input.id,
    main: downsampleMinMax(smoothed, opts.maxPoints),
    raw: opts.smoothing > 0 ? downsampleMinMax(xs, opts.maxPoints) : [],
    latest: xs.length ? xs[xs.length - 1] : null,
  };
}

export type ChartRow = { step: number; epoch: number } & Record<string, number | undefined>;

/** Key of the faded raw line of a series. */
export const rawKey = (id: string) => `${id}__raw`;

/** Merges series into rows keyed by step (the readout, the table and the bands read rows). */
export function mergeRows(series: readonly PreparedSeries[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  const put = (id: string, p: XY) => {
    let row = rows.get(p.step);
    if (!row) {
      row = { step: p.step, epoch: p.epoch } as ChartRow;
      rows.set(p.step, row);
    }
    row[id] = p.value;
  };
  for (const s of series) {
    for (const p of s.main) put(s.id, p);
    for (const p of s.raw) put(rawKey(s.id), p);
  }
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

export interface Marker {
  step: number;
  label: string;
  kind: RunEvent['kind'];
  /** Colour of the run the event belongs to. */
  color: string;
}

function fmtSetting(setting: string, v: string | number): string {
  if (setting === 'method') return METHOD_LABELS[v as Method] ?? String(v);
  return typeof v === 'number' ? String(Number.parseFloat(v.toPrecision(4))) : v;
}

/** Numeric settings whose markers say from → to, by their short name. */
const SETTING_SYMBOLS: Record<string, string> = {
  lambda: 'λ',
  lr: 'lr',
  lambdaGini: 'λ_gini',
  lambdaKl: 'λ_kl',
  weightDecay: 'wd',
};

function changeLabel(setting: string, from: string | number, to: string | number): string {
  const symbol = SETTING_SYMBOLS[setting];
  if (symbol) return `${symbol} ${fmtSetting(setting, from)}→${fmtSetting(setting, to)}`;
  return `→ ${fmtSetting(setting, to)}`;
}

export function eventLabel(e: RunEvent): string {
  switch (e.kind) {
    case 'change':
      return changeLabel(e.setting, e.from, e.to);
    case 'warmup-end':
      return 'warm-up end';
    case 'collapsed':
      return 'collapsed';
    case 'diverged':
      return 'diverged';
    case 'device-lost':
      return 'device lost';
    case 'error':
      return 'error';
    case 'resumed':
      return 'resumed';
  }
}

/**
 * One marker per distinct (step, label): twin sides share their warm-up end and common
 * changes. A burst of changes of one setting (a slider drag: each step gap ≤ `mergeGap`)
 * becomes one marker "λ 0.6→1.2" at its start. Capped to the latest `max`.
 */
export function collectMarkers(
  runs: readonly { events: readonly RunEvent[]; color: string; side?: 'A' | 'B' }[],
  max = 40,
  mergeGap = 0,
): Marker[] {
  const all: (Marker & { side?: 'A' | 'B' })[] = [];
  for (const r of runs) {
    let open: { m: Marker; setting: string; from: string | number; last: number } | null = null;
    const events = [...r.events].sort((a, b) => a.step - b.step);
    for (const e of events) {
      if (
        e.kind === 'change' &&
        open &&
        open.setting === e.setting &&
        e.step - open.last <= mergeGap
      ) {
        open.last = e.step;
        open.m.label = changeLabel(e.setting, open.from, e.to);
        continue;
      }
      const m = { step: e.step, label: eventLabel(e), kind: e.kind, color: r.color, side: r.side };
      all.push(m);
      open = e.kind === 'change' ? { m, setting: e.setting, from: e.from, last: e.step } : null;
    }
  }
  // Dedupe; an event on one twin side only (a side-B λ change) says which side.
  const groups = new Map<string, { m: Marker; sides: Set<string> }>();
  for (const { side, ...m } of all) {
    const key = `${m.step}|${m.label}`;
    const g = groups.get(key);
    if (g) {
      if (side) g.sides.add(side);
    } else groups.set(key, { m, sides: new Set(side ? [side] : []) });
  }
  const out = [...groups.values()].map(({ m, sides }) =>
    sides.size === 1 ? { ...m, label: `${[...sides][0]}: ${m.label}` } : m,
  );
  out.sort((a, b) => a.step - b.step);
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * Label rows for markers (sorted by step): each label takes the first row whose previous
 * label is at least `minGap` steps to the left; -1 = no room, the line stays unlabelled.
 */
export function labelRows(markers: readonly Marker[], minGap: number, rows = 2): number[] {
  const last = new Array<number>(rows).fill(Number.NEGATIVE_INFINITY);
  return markers.map((m) => {
    for (let r = 0; r < rows; r++) {
      if (m.step - last[r] >= minGap) {
        last[r] = m.step;
        return r;
      }
    }
    return -1;
  });
}

export interface GapReadout {
  step: number;
  epoch: number;
  /** B − A; null where either side has no value at that step. */
  testCE: number | null;
  testAcc: number | null;
  intraDist: number | null;
}

const GAP_KEYS = ['testCE', 'testAcc', 'intraDist'] as const;

/** B − A at the latest step both runs logged with at least one of the three main metrics. */
export function gapReadout(a: readonly Point[], b: readonly Point[]): GapReadout | null {
  const byStep = new Map<number, Point>();
  for (const p of a) byStep.set(p.step, p);
  for (let i = b.length - 1; i >= 0; i--) {
    const pb = b[i];
    const pa = byStep.get(pb.step);
    if (!pa) continue;
    const diff = (k: (typeof GAP_KEYS)[number]) => {
      const va = pa[k];
      const vb = pb[k];
      return va === null || vb === null || !Number.isFinite(va) || !Number.isFinite(vb)
        ? null
        : vb - va;
    };
    const out = {
      step: pb.step,
      epoch: pb.epoch,
      testCE: diff('testCE'),
      testAcc: diff('testAcc'),
      intraDist: diff('intraDist'),
    };
    if (out.testCE !== null || out.testAcc !== null || out.intraDist !== null) return out;
  }
  return null;
}

export interface AxisScale {
  domain: [number, number];
  ticks: number[];
  /** Decimals that tell the ticks apart (for the tick labels). */
  decimals: number;
}

/** 1, 2, 2.5 or 5 × 10^k (no 2.5 for whole-number axes): the smallest such step ≥ `raw`. */
function niceStep(raw: number, integer: boolean): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 && !integer ? 2.5 : f <= 5 ? 5 : 10;
  return integer ? Math.max(1, m * p) : m * p;
}

/**
 * A linear axis that covers [min, max] with round bounds and about `count` round ticks.
 * The result only changes when the data crosses a tick, so the axes and grid of a redraw
 * usually stay as they were.
 * `nonNegative`: the axis does not go below 0 (every metric charted here is ≥ 0);
 * `integer`: whole-number ticks (steps).
 */
export function niceScale(
  min: number,
  max: number,
  { count = 5, nonNegative = false, integer = false } = {},
): AxisScale {
  if (!Number.isFinite(min) || !Number.isFinite(max))
    return { domain: [0, 1], ticks: [0, 1], decimals: 0 };
  if (max - min < 1e-12) {
    const pad = Math.abs(max) > 1e-12 ? Math.abs(max) * 0.05 : 0.5;
    return niceScale(min - pad, max + pad, { count, nonNegative, integer });
  }
  const step = niceStep((max - min) / count, integer);
  let lo = Math.floor(min / step + 1e-9) * step;
  if (nonNegative && lo < 0) lo = 0;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const n = Math.round((hi - lo) / step);
  const decimals = Math.max(
    0,
    -Math.floor(Math.log10(step) + 1e-9) +
      (step / 10 ** Math.floor(Math.log10(step) + 1e-9) === 2.5 ? 1 : 0),
  );
  // Rounded to the step's decimals so that 0.30000000000000004 prints as 0.3.
  const ticks = Array.from({ length: n + 1 }, (_, i) => +(lo + i * step).toFixed(decimals + 1));
  return { domain: [ticks[0], ticks[n]], ticks, decimals };
}

/** The step axis: whole numbers from 0 to a round bound at or past `lastStep`. */
export function stepScale(lastStep: number): AxisScale {
  return niceScale(0, Math.max(5, lastStep), { integer: true, nonNegative: true });
}

/** The y range of every value drawn (main and raw lines). */
export function valueRange(series: readonly PreparedSeries[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const list of [s.main, s.raw]) {
      for (const p of list) {
        if (p.value < lo) lo = p.value;
        if (p.value > hi) hi = p.value;
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

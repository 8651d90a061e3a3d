/**
 * Runs that differ only by seed, drawn as one mean line with a ± one sd band. Pure (no React):
 * which runs group together, the mean and sd per step (as `meanCurve` of src/reproduce computes
 * them: diverged runs left out, only the steps every member has), and the three series a chart
 * draws, cached so a redraw recomputes only the group whose runs changed.
 *
 * Grouping: a sweep's runs by their sweep id and coordinates (`coordsOf`/`groupKeyOf`, so a CLI
 * folder imported into the app groups as its report does); other runs by every setting but the
 * seed. A run with live changes is its own group; a sweep run that was stopped or failed
 * (cancelled, interrupted) is not averaged in.
 */
import type { Point, RunRecord, RunStatus } from '../engine/runRecord';
import { coordsLabel, groupKeyOf } from '../reproduce/grid';
import { summarize } from '../reproduce/stats';
import { coordsOf } from '../reproduce/summary';
import {
  emaSmooth,
  extractSeries,
  type MetricKey,
  type PreparedSeries,
  type XY,
} from './chartData';

/** The settings a group shares apart from its coordinates (method, λ, seed). */
export function recordScope(r: RunRecord): string {
  if (r.events.some((e) => e.kind === 'change')) return `run:${r.id}`;
  if (r.sweep) return `sweep:${r.sweep.id}`;
  const { seed: _s, method: _m, lambda: _l, ...rest } = r.config;
  return `config:${JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k as keyof typeof rest]]),
  )}`;
}

/** Runs with the same key differ only by seed. */
export function seedGroupKey(r: RunRecord): string {
  return `${recordScope(r)}|${groupKeyOf(coordsOf(r))}`;
}

/** Whether a run's figures belong in its group (a cancelled or broken sweep run does not). */
export function countsInGroup(r: RunRecord): boolean {
  return !(r.sweep && (r.status === 'stopped' || r.status === 'error'));
}

export interface BandMember {
  id: string;
  points: readonly Point[];
  status: RunStatus;
}

export interface BandGroup {
  /** Stable and safe as a chart row key. */
  id: string;
  key: string;
  name: string;
  color: string;
  members: BandMember[];
  /** A member is part of the session in progress. */
  current: boolean;
}

export interface GroupableEntry {
  id: string;
  color: string;
  record: RunRecord;
  current: boolean;
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Groups of two or more runs differing only by seed, and the ids they take over. */
export function groupBySeed(entries: readonly GroupableEntry[]): {
  groups: BandGroup[];
  grouped: Set<string>;
} {
  const byKey = new Map<string, GroupableEntry[]>();
  for (const e of entries) {
    if (!countsInGroup(e.record)) continue;
    const k = seedGroupKey(e.record);
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const groups: BandGroup[] = [];
  const grouped = new Set<string>();
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    for (const e of list) grouped.add(e.id);
    const first = list[0]!.record;
    const { seed: _s, ...coords } = coordsOf(first);
    groups.push({
      id: `band-${hash(key)}`,
      key,
      name: `${coordsLabel(coords)} · ${first.config.dataset} · ${first.config.model} (mean ± sd of ${list.length} seeds)`,
      color: list[0]!.color,
      members: list.map((e) => ({ id: e.id, points: e.record.points, status: e.record.status })),
      current: list.some((e) => e.current),
    });
  }
  return { groups, grouped };
}

export interface BandPoint {
  step: number;
  epoch: number;
  mean: number;
  sd: number;
  n: number;
}

/**
 * Mean and sample sd over the members at each step all of them have a finite value at
 * (diverged members left out; sd 0 for a single member), as `meanCurve` does, for any metric.
 */
export function meanBand(members: readonly BandMember[], metric: MetricKey): BandPoint[] {
  const runs = members.filter((m) => m.status !== 'diverged');
  if (runs.length === 0) return [];
  const bySteps = new Map<number, { epoch: number; xs: number[] }>();
  for (const r of runs) {
    for (const p of extractSeries(r.points, metric)) {
      const cur = bySteps.get(p.step);
      if (cur) cur.xs.push(p.value);
      else bySteps.set(p.step, { epoch: p.epoch, xs: [p.value] });
    }
  }
  return [...bySteps.entries()]
    .filter(([, v]) => v.xs.length === runs.length)
    .sort((a, b) => a[0] - b[0])
    .map(([step, v]) => {
      const s = summarize(v.xs);
      return { step, epoch: v.epoch, mean: s.mean!, sd: s.sd ?? 0, n: s.n };
    });
}

/** Every `k`-th index so that at most `max` remain, always with the first and the last. */
export function strideIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const k = (n - 1) / (Math.max(2, max) - 1);
  for (let i = 0; i < max - 1; i++) out.push(Math.round(i * k));
  out.push(n - 1);
  return [...new Set(out)];
}

export const loKey = (id: string) => `${id}__lo`;
export const hiKey = (id: string) => `${id}__hi`;

export interface BandSeries {
  id: string;
  /** Mean, low (mean − sd) and high (mean + sd), as chart series (same steps). */
  mean: PreparedSeries;
  lo: PreparedSeries;
  hi: PreparedSeries;
  /** Runs averaged (diverged ones are left out). */
  n: number;
}

export interface BandOptions {
  smoothing: number;
  logScale: boolean;
  maxPoints: number;
}

/**
 * The band of a group for one metric. Smoothing (the charts' EMA) applies to the mean and to
 * both edges alike; on a log axis, steps whose low edge is not positive are left out.
 */
export function bandSeries(group: BandGroup, metric: MetricKey, opts: BandOptions): BandSeries {
  let pts = meanBand(group.members, metric);
  if (opts.logScale) pts = pts.filter((p) => p.mean - p.sd > 0);
  const at = (f: (p: BandPoint) => number): XY[] =>
    pts.map((p) => ({ step: p.step, epoch: p.epoch, value: f(p) }));
  const smooth = (xs: XY[]) => (opts.smoothing > 0 ? emaSmooth(xs, opts.smoothing) : xs);
  const keep = strideIndices(pts.length, opts.maxPoints);
  const pick = (xs: XY[]) => keep.map((i) => xs[i]!);
  const series = (id: string, xs: XY[]): PreparedSeries => {
    const main = pick(smooth(xs));
    return { id, main, raw: [], latest: xs.at(-1) ?? null };
  };
  const n = group.members.filter((m) => m.status !== 'diverged').length;
  return {
    id: group.id,
    mean: series(
      group.id,
      at((p) => p.mean),
    ),
    lo: series(
      loKey(group.id),
      at((p) => p.mean - p.sd),
    ),
    hi: series(
      hiKey(group.id),
      at((p) => p.mean + p.sd),
    ),
    n,
  };
}

interface CacheEntry {
  points: readonly (readonly Point[])[];
  statuses: string;
  byOpts: Map<string, BandSeries>;
}
const cache = new Map<string, CacheEntry>();
const CACHE_MAX = 256;

/**
 * `bandSeries`, remembered per group while its members' points arrays are the same ones: a
 * finished group is computed once per metric and setting, not at every flush of a live run.
 */
export function cachedBandSeries(
  group: BandGroup,
  metric: MetricKey,
  opts: BandOptions,
): BandSeries {
  const pts = group.members.map((m) => m.points);
  const statuses = group.members.map((m) => m.status).join();
  let entry = cache.get(group.id);
  if (
    !entry ||
    entry.statuses !== statuses ||
    entry.points.length !== pts.length ||
    entry.points.some((p, i) => p !== pts[i])
  ) {
    if (!entry && cache.size >= CACHE_MAX) cache.clear();
    entry = { points: pts, statuses, byOpts: new Map() };
    cache.set(group.id, entry);
  }
  const k = `${metric}|${opts.smoothing}|${opts.logScale}|${opts.maxPoints}`;
  let s = entry.byOpts.get(k);
  if (!s) {
    s = bandSeries(group, metric, opts);
    entry.byOpts.set(k, s);
  }
  return s;
}

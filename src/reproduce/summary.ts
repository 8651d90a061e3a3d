/**
 * From a sweep's run records to its results: runs grouped by everything but the seed, each
 * group's mean ± sd and 95% interval over seeds, the best λ per method (Table 1 of the paper),
 * the paired comparison with vanilla on the same seeds (same initial weights and batches), and
 * the mean curves. A diverged run stays in its group's counts and is never averaged as if it
 * had finished: its figures are left out of the means and the tables say so.
 */
import { type Method, usesMatching } from '../engine/config';
import type { Point, RunRecord } from '../engine/runRecord';
import { type Coords, coordsLabel, groupKeyOf } from './grid';
import { pairedDifference, type Summary, summarize } from './stats';

/** The metrics summarized per configuration (results.json). */
export const RESULT_METRICS = [
  'finalTestAcc',
  'bestTestAcc',
  'finalTestCE',
  'minTestCE',
  'finalIntraDist',
] as const;
export type ResultMetric = (typeof RESULT_METRICS)[number];

export interface RunFigures {
  seed: number;
  status: RunRecord['status'];
  collapsed: boolean;
  /** Null where the run diverged (left out of the means) or the metric was never finite. */
  values: Record<ResultMetric, number | null>;
}

export interface GroupSummary {
  groupKey: string;
  label: string;
  coords: Coords;
  method: Method;
  lambda: number | null;
  runs: RunFigures[];
  /** Runs whose figures enter the means (finished without diverging). */
  n: number;
  diverged: number;
  collapsed: number;
  metrics: Record<ResultMetric, Summary>;
}

/** A record's place in its grid: its sweep coordinates, or the ones its settings imply. */
export function coordsOf(r: RunRecord): Coords {
  if (r.sweep) return r.sweep.coords;
  const c = r.config;
  return {
    method: c.method,
    ...(usesMatching(c.method) ? { lambda: c.lambda } : {}),
    seed: c.seed,
  };
}

const finite = (x: number | null | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

function extreme(points: readonly Point[], key: 'testAcc' | 'testCE', pick: 'max' | 'min') {
  let out: number | null = null;
  for (const p of points) {
    const v = finite(p[key]);
    if (v === null) continue;
    if (out === null || (pick === 'max' ? v > out : v < out)) out = v;
  }
  return out;
}

export function runFigures(r: RunRecord): RunFigures {
  const last = r.points.at(-1);
  const usable = r.status !== 'diverged';
  const val = (x: number | null) => (usable ? x : null);
  return {
    seed: Number(coordsOf(r).seed ?? r.config.seed),
    status: r.status,
    collapsed: r.events.some((e) => e.kind === 'collapsed'),
    values: {
      finalTestAcc: val(finite(last?.testAcc)),
      bestTestAcc: val(extreme(r.points, 'testAcc', 'max')),
      finalTestCE: val(finite(last?.testCE)),
      minTestCE: val(extreme(r.points, 'testCE', 'min')),
      finalIntraDist: val(finite(last?.intraDist)),
    },
  };
}

/** Groups of runs that differ only by seed, in the order their first run appears. */
export function summarizeRuns(records: readonly RunRecord[]): GroupSummary[] {
  const groups = new Map<string, { coords: Coords; records: RunRecord[] }>();
  for (const r of records) {
    const coords = coordsOf(r);
    const key = groupKeyOf(coords);
    const { seed: _seed, ...rest } = coords;
    const g = groups.get(key) ?? { coords: rest, records: [] };
    g.records.push(r);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([groupKey, g]) => {
    const runs = g.records.map(runFigures).sort((a, b) => a.seed - b.seed);
    const metrics = Object.fromEntries(
      RESULT_METRICS.map((m) => [m, summarize(runs.map((x) => x.values[m]))]),
    ) as Record<ResultMetric, Summary>;
    const method = g.coords.method as Method;
    return {
      groupKey,
      label: coordsLabel(g.coords),
      coords: g.coords,
      method,
      lambda: typeof g.coords.lambda === 'number' ? g.coords.lambda : null,
      runs,
      n: runs.filter((x) => x.status !== 'diverged').length,
      diverged: runs.filter((x) => x.status === 'diverged').length,
      collapsed: runs.filter((x) => x.collapsed).length,
      metrics,
    };
  });
}

/** Coordinates other than method, λ and seed: the "other settings" of a group. */
function otherKey(coords: Coords): string {
  const { method: _m, lambda: _l, seed: _s, ...rest } = coords;
  return groupKeyOf(rest);
}

/**
 * The best λ of each matching method (per combination of the other settings): the highest mean
 * final test accuracy, ties to the lower mean final test CE. A group where a seed diverged ranks
 * below every group whose seeds all finished (its mean is over the survivors only, which would
 * favour it). Other methods have one group each.
 */
export function bestPerMethod(groups: readonly GroupSummary[]): GroupSummary[] {
  const best = new Map<string, GroupSummary>();
  for (const g of groups) {
    const key = `${g.method}|${otherKey(g.coords)}`;
    const cur = best.get(key);
    if (!cur || better(g, cur)) best.set(key, g);
  }
  return [...best.values()];
}

function better(a: GroupSummary, b: GroupSummary): boolean {
  if (a.diverged > 0 !== b.diverged > 0) return a.diverged === 0;
  const [aa, ba] = [a.metrics.finalTestAcc.mean, b.metrics.finalTestAcc.mean];
  if (aa === null) return false;
  if (ba === null || aa !== ba) return ba === null || aa > ba;
  const [ac, bc] = [a.metrics.finalTestCE.mean, b.metrics.finalTestCE.mean];
  return ac !== null && (bc === null || ac < bc);
}

export interface PairedComparison {
  group: GroupSummary;
  baseline: GroupSummary;
  /** group − vanilla, per seed, summarized. */
  testAcc: Summary & { seeds: number[] };
  testCE: Summary & { seeds: number[] };
}

/** Each non-vanilla group against the vanilla group with the same other settings. */
export function pairedWithVanilla(groups: readonly GroupSummary[]): PairedComparison[] {
  const vanilla = new Map(
    groups.filter((g) => g.method === 'vanilla').map((g) => [otherKey(g.coords), g]),
  );
  const bySeed = (g: GroupSummary, m: ResultMetric) =>
    new Map(g.runs.map((r) => [r.seed, r.values[m]]));
  const out: PairedComparison[] = [];
  for (const g of groups) {
    if (g.method === 'vanilla') continue;
    const baseline = vanilla.get(otherKey(g.coords));
    if (!baseline) continue;
    out.push({
      group: g,
      baseline,
      testAcc: pairedDifference(bySeed(baseline, 'finalTestAcc'), bySeed(g, 'finalTestAcc')),
      testCE: pairedDifference(bySeed(baseline, 'finalTestCE'), bySeed(g, 'finalTestCE')),
    });
  }
  return out;
}

export const CURVE_METRICS = ['intraDist', 'testAcc', 'testCE'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

export interface MeanCurvePoint {
  step: number;
  mean: number;
  sd: number;
  n: number;
}

/** The mean ± sd of a metric at each eval step the group's finished runs share. */
export function meanCurve(records: readonly RunRecord[], metric: CurveMetric): MeanCurvePoint[] {
  const runs = records.filter((r) => r.status !== 'diverged');
  const bySteps = new Map<number, number[]>();
  for (const r of runs) {
    for (const p of r.points) {
      const v = finite(p[metric]);
      if (v === null) continue;
      const xs = bySteps.get(p.step) ?? [];
      xs.push(v);
      bySteps.set(p.step, xs);
    }
  }
  return [...bySteps.entries()]
    .filter(([, xs]) => xs.length === runs.length && xs.length > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([step, xs]) => {
      const s = summarize(xs);
      return { step, mean: s.mean!, sd: s.sd ?? 0, n: s.n };
    });
}

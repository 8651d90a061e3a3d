/**
 * Everything a sweep writes besides its run records, built from the records alone (so the
 * CLI's folder and the app's export give the same files): results.json, report.md and the SVG
 * figures. Pure; the caller writes the files.
 */
import type { TrainConfig } from '../engine/config';
import type { RunRecord } from '../engine/runRecord';
import type { GridSpec } from './grid';
import { renderReport } from './report';
import type { Summary } from './stats';
import { CURVE_METRICS, type CurveMetric, pairedWithVanilla, summarizeRuns } from './summary';
import { curvesSvg, figure2Svg } from './svg';

export interface SweepMeta {
  sweepId: string;
  title: string;
  budget?: string;
  /** The grid, when the sweep was defined as one (the CLI); the records alone otherwise. */
  grid?: GridSpec;
}

export interface SweepOutputs {
  results: unknown;
  report: string;
  /** File name → SVG text. */
  figures: Record<string, string>;
}

const FIGURE_NAMES: Record<CurveMetric, string> = {
  intraDist: 'curves-intra-class-distance.svg',
  testAcc: 'curves-test-accuracy.svg',
  testCE: 'curves-test-ce.svg',
};

const summaryJson = (s: Summary) => ({ n: s.n, mean: s.mean, sd: s.sd, ci95: s.ci95 });

export function buildSweepOutputs(records: readonly RunRecord[], meta: SweepMeta): SweepOutputs {
  const groups = summarizeRuns(records);
  const base: TrainConfig | undefined = meta.grid?.base ?? records[0]?.config;
  const figures: Record<string, string> = {};
  const fig2 = figure2Svg(groups, 'Final test cross-entropy against λ (the paper’s Figure 2)');
  if (fig2) figures['figure2-test-ce-vs-lambda.svg'] = fig2;
  for (const m of CURVE_METRICS) {
    const svg = curvesSvg(
      records,
      groups,
      m,
      `Mean ${m === 'intraDist' ? 'intra-class distance' : m === 'testAcc' ? 'test accuracy' : 'test cross-entropy'} over seeds (± one sd)`,
    );
    if (svg) figures[FIGURE_NAMES[m]] = svg;
  }
  const results = {
    schema: 'itra-playground/sweep-results',
    version: 1,
    sweepId: meta.sweepId,
    createdAt: new Date().toISOString(),
    budget: meta.budget,
    grid: meta.grid,
    groups: groups.map((g) => ({
      label: g.label,
      coords: g.coords,
      method: g.method,
      lambda: g.lambda,
      runs: g.runs.length,
      n: g.n,
      diverged: g.diverged,
      collapsed: g.collapsed,
      seeds: g.runs.map((r) => r.seed),
      metrics: Object.fromEntries(Object.entries(g.metrics).map(([k, s]) => [k, summaryJson(s)])),
      perSeed: g.runs,
    })),
    pairedWithVanilla: pairedWithVanilla(groups).map((p) => ({
      label: p.group.label,
      baseline: p.baseline.label,
      seeds: p.testAcc.seeds,
      testAcc: summaryJson(p.testAcc),
      testCE: summaryJson(p.testCE),
    })),
  };
  const report = base
    ? renderReport(groups, {
        title: meta.title,
        base,
        trainSize: records[0]?.data.trainSize ?? 0,
        budget: meta.budget,
        figures: Object.keys(figures),
      })
    : `# ${meta.title}\n\nNo finished runs.\n`;
  return { results, report, figures };
}

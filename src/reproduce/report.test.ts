/**
 * report.md from a fixed set of records against a golden file (test/fixtures/reproduce-report.md),
 * plus the figures: a diverged run stays in the counts and out of the means; the paired
 * comparison uses the seeds both methods have.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/shared';
import { DEFAULT_CONFIG, type Method, type TrainConfig } from '../engine/config';
import {
  type Point,
  RUN_SCHEMA_ID,
  RUN_SCHEMA_VERSION,
  type RunRecord,
  runRecordSchema,
} from '../engine/runRecord';
import { buildSweepOutputs } from './results';
import { bestPerMethod, pairedWithVanilla, summarizeRuns } from './summary';

const base: TrainConfig = {
  ...DEFAULT_CONFIG,
  model: 'tiny',
  maxSteps: 200,
  evalEvery: 100,
  evalSize: 1000,
};

/** A finished run: two eval points, the second one final. */
function record(
  method: Method,
  lambda: number | null,
  seed: number,
  [acc, ce, intra]: [number, number, number],
  opts: { status?: RunRecord['status']; collapsed?: boolean } = {},
): RunRecord {
  const point = (step: number, a: number, c: number, d: number): Point => ({
    step,
    epoch: step / 937.5,
    intraDist: d,
    testAcc: a,
    testCE: c,
    trainCE: c,
    match: null,
    sigma: null,
    gini: 0.8,
    kl: 0.1,
    lr: 0.01,
    lambdaEff: lambda ?? 0,
    method,
    samplesPerSec: 1000,
    wallMs: step * 10,
  });
  const coords = { method, ...(lambda === null ? {} : { lambda }), seed };
  return {
    schema: RUN_SCHEMA_ID,
    version: RUN_SCHEMA_VERSION,
    id: `${method}-${lambda}-${seed}`,
    name: `${method} ${lambda} ${seed}`,
    createdAt: '2026-12-01T00:00:00.000Z',
    config: { ...base, method, lambda: lambda ?? base.lambda, seed },
    data: { trainSize: 60000, testSize: 10000, evalSize: 1000, split: 'official' },
    environment: { backend: 'wasm', runtime: 'node v20', tfjsVersion: '4.22.0' },
    sweep: { id: 'sweep-1', coords },
    status: opts.status ?? 'completed',
    steps: 200,
    // The best accuracy and lowest CE come at step 100 for seed 3, at the end otherwise.
    points: [
      point(
        100,
        seed === 3 ? acc + 0.01 : acc - 0.05,
        seed === 3 ? ce - 0.02 : ce + 0.1,
        intra + 0.1,
      ),
      point(200, acc, ce, intra),
    ],
    events: opts.collapsed ? [{ kind: 'collapsed', step: 100, detail: 'collapsed' }] : [],
  };
}

const records: RunRecord[] = [
  record('vanilla', null, 1, [0.8, 0.6, 0.5]),
  record('vanilla', null, 2, [0.82, 0.56, 0.52]),
  record('vanilla', null, 3, [0.78, 0.64, 0.48]),
  record('itra-c', 0.4, 1, [0.81, 0.58, 0.42]),
  record('itra-c', 0.4, 2, [0.83, 0.55, 0.44]),
  record('itra-c', 0.4, 3, [0.8, 0.6, 0.4], { collapsed: true }),
  record('itra-c', 0.8, 1, [0.84, 0.5, 0.38]),
  record('itra-c', 0.8, 2, [0.2, 2.3, 0.9], { status: 'diverged' }),
  record('itra-c', 0.8, 3, [0.82, 0.52, 0.36]),
  record('center', null, 1, [0.79, 0.62, 0.45]),
  record('center', null, 2, [0.8, 0.6, 0.46]),
  record('center', null, 3, [0.77, 0.66, 0.44]),
];

describe('sweep report', () => {
  it('the fixture records are valid run records', () => {
    for (const r of records) expect(runRecordSchema.safeParse(r).success).toBe(true);
  });

  it('means over seeds; a diverged run counted, never averaged; collapses counted', () => {
    const groups = summarizeRuns(records);
    expect(groups.map((g) => g.label)).toEqual(['vanilla', 'itra-c λ0.4', 'itra-c λ0.8', 'center']);
    const [van, , high] = groups;
    expect(van!.metrics.finalTestAcc.mean).toBeCloseTo(0.8, 12);
    expect(van!.metrics.bestTestAcc.mean).toBeCloseTo((0.8 + 0.82 + 0.79) / 3, 12);
    expect(van!.metrics.minTestCE.mean).toBeCloseTo((0.6 + 0.56 + 0.62) / 3, 12);
    expect([high!.n, high!.diverged, high!.runs.length]).toEqual([2, 1, 3]);
    expect(high!.metrics.finalTestAcc.mean).toBeCloseTo(0.83, 12);
    expect(groups[1]!.collapsed).toBe(1);
    // λ 0.8 has the higher mean of its finished runs, but one of its seeds diverged: λ 0.4, whose
    // seeds all finished, ranks first.
    expect(bestPerMethod(groups).map((g) => g.label)).toEqual(['vanilla', 'itra-c λ0.4', 'center']);
    expect(
      bestPerMethod(groups.filter((g) => g.label !== 'itra-c λ0.4')).map((g) => g.label),
    ).toEqual(['vanilla', 'itra-c λ0.8', 'center']);
    const paired = pairedWithVanilla(groups);
    expect(paired.find((p) => p.group.label === 'itra-c λ0.8')!.testAcc.seeds).toEqual([1, 3]);
    expect(paired.find((p) => p.group.label === 'itra-c λ0.4')!.testAcc.mean).toBeCloseTo(
      0.0133333333,
      8,
    );
  });

  it('report.md equals the golden file', () => {
    const { report } = buildSweepOutputs(records, {
      sweepId: 'sweep-1',
      title: 'Reproduce: golden',
      budget: 'A fixed set of records (test).',
    });
    const golden = readFileSync(resolve(REPO_ROOT, 'test/fixtures/reproduce-report.md'), 'utf8');
    expect(report).toBe(golden);
  });

  it('the figures: Figure 2 has one error bar per λ, the curves a band per group', () => {
    const { figures, results } = buildSweepOutputs(records, { sweepId: 'sweep-1', title: 't' });
    const fig2 = figures['figure2-test-ce-vs-lambda.svg']!;
    expect(fig2).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(fig2.match(/class="error-bar"/g)).toHaveLength(2);
    expect([...fig2.matchAll(/data-lambda="([\d.]+)"/g)].map((m) => Number(m[1]))).toEqual([
      0.4, 0.8,
    ]);
    for (const name of [
      'curves-intra-class-distance.svg',
      'curves-test-accuracy.svg',
      'curves-test-ce.svg',
    ]) {
      expect(figures[name]!.match(/class="band"/g)).toHaveLength(4);
    }
    expect((results as { groups: unknown[] }).groups).toHaveLength(4);
  });
});

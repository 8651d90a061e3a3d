/**
 * The matching loss against ../shared/golden (float64 references), both estimators:
 * value, σ, per-class MMD, the gradient w.r.t. both feature sets, the intra-class distance.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_FILE, hasGolden, SKIP_NO_SHARED } from '../../test/shared';
import type { Estimator } from './config';
import {
  matchingLoss,
  medianBandwidth,
  normalizedIntraClassDistance,
  pairwiseSqDist,
} from './matching';

interface GoldenVariant {
  match_c: number;
  per_class_mmd: Record<string, number>;
  grad_H1: number[][];
  grad_H2: number[][];
  classes_kept?: number[];
}
interface GoldenCase extends GoldenVariant {
  name: string;
  H1: number[][];
  H2: number[][];
  y1: number[];
  y2: number[];
  sigma: number;
  classes_shared: number[];
  intra_dist_norm: number | null;
  unbiased: GoldenVariant;
  outlier_row?: string;
}

const NUM_CLASSES = 10;
const cases: GoldenCase[] = hasGolden ? JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')).cases : [];

/**
 * Float32 tolerances. Values: relative 1e-4 (+ absolute 1e-6). Gradients: compared as
 * max |g - g_ref| / max(max |g_ref|, 1e-3) < 2e-3, since a few entries are cancellations of
 * O(1) terms computed in float32.
 */
const VALUE_RTOL = 1e-4;
const VALUE_ATOL = 1e-6;
const GRAD_REL = 2e-3;

function closeTo(actual: number, expected: number, what: string) {
  const tol = VALUE_ATOL + VALUE_RTOL * Math.abs(expected);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

function gradClose(actual: Float32Array | number[], expected: number[][], what: string) {
  const flat = expected.flat();
  const scale = Math.max(1e-3, ...flat.map(Math.abs));
  let worst = 0;
  flat.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i] - e));
  });
  expect(worst / scale, `${what}: max abs err ${worst} (scale ${scale})`).toBeLessThan(GRAD_REL);
}

function evaluate(c: GoldenCase, estimator: Estimator) {
  const h1 = tf.tensor2d(c.H1);
  const h2 = tf.tensor2d(c.H2);
  const y1 = tf.oneHot(tf.tensor1d(c.y1, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D;
  const y2 = tf.oneHot(tf.tensor1d(c.y2, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D;
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
    const r = matchingLoss(a as tf.Tensor2D, b as tf.Tensor2D, y1, y2, estimator);
    r.sigma.dispose();
    r.perClass.dispose();
    r.kept.dispose();
    return r.match;
  })([h1, h2]);
  const parts = matchingLoss(h1, h2, y1, y2, estimator);
  const intra = normalizedIntraClassDistance(h1, h2, y1, y2);
  const out = {
    match: value.dataSync()[0],
    g1: grads[0].dataSync() as Float32Array,
    g2: grads[1].dataSync() as Float32Array,
    sigma: parts.sigma.dataSync()[0],
    perClass: Array.from(parts.perClass.dataSync()),
    kept: Array.from(parts.kept.dataSync()),
    intra: intra.dataSync()[0],
  };
  tf.dispose([
    h1,
    h2,
    y1,
    y2,
    value,
    ...grads,
    parts.match,
    parts.sigma,
    parts.perClass,
    parts.kept,
    intra,
  ]);
  return out;
}

describe.skipIf(!hasGolden)(`golden cases ${hasGolden ? '' : SKIP_NO_SHARED}`, () => {
  it('has the eight documented cases', () => {
    expect(cases.length).toBe(8);
  });

  for (const c of cases) {
    for (const estimator of ['biased', 'unbiased'] as const) {
      it(`${c.name} (${estimator}): Match_c, σ, per-class MMD, gradients`, () => {
        const ref = estimator === 'biased' ? c : c.unbiased;
        const r = evaluate(c, estimator);
        closeTo(r.sigma, c.sigma, 'sigma');
        closeTo(r.match, ref.match_c, 'Match_c');
        for (const [k, v] of Object.entries(ref.per_class_mmd)) {
          closeTo(r.perClass[Number(k)], v, `MMD class ${k}`);
        }
        const kept = r.kept.flatMap((v, i) => (v > 0 ? [i] : []));
        expect(kept).toEqual(estimator === 'biased' ? c.classes_shared : c.unbiased.classes_kept);
        gradClose(r.g1, ref.grad_H1, 'dMatch/dH1');
        gradClose(r.g2, ref.grad_H2, 'dMatch/dH2');
      });
    }

    it(`${c.name}: normalized intra-class distance`, () => {
      const r = evaluate(c, 'biased');
      if (c.intra_dist_norm === null) expect(Number.isNaN(r.intra)).toBe(true);
      else closeTo(r.intra, c.intra_dist_norm, 'intra_dist_norm');
    });
  }

  it('no shared class: Match_c = 0 and zero gradient', () => {
    const c = cases.find((x) => x.name === 'no_shared_class')!;
    const r = evaluate(c, 'biased');
    expect(r.match).toBe(0);
    expect(Math.max(...Array.from(r.g1, Math.abs), ...Array.from(r.g2, Math.abs))).toBe(0);
  });

  it('a class present in one batch only: its rows get exactly zero gradient', () => {
    const c = cases.find((x) => x.name === 'class_in_one_batch_only')!;
    const r = evaluate(c, 'biased');
    const dim = c.H1[0].length;
    const shared = new Set(c.classes_shared);
    let checked = 0;
    c.y1.forEach((y, i) => {
      if (shared.has(y)) return;
      checked++;
      for (let k = 0; k < dim; k++) expect(Math.abs(r.g1[i * dim + k]!)).toBe(0); // ±0
    });
    c.y2.forEach((y, i) => {
      if (shared.has(y)) return;
      checked++;
      for (let k = 0; k < dim; k++) expect(Math.abs(r.g2[i * dim + k]!)).toBe(0);
    });
    expect(checked).toBeGreaterThan(0);
  });

  it('the far outlier gets a vanishing gradient (adaptive weighting, Eq. 7-9)', () => {
    const c = cases.find((x) => x.name === 'outlier_adaptive_weighting')!;
    const r = evaluate(c, 'biased');
    const dim = c.H1[0].length;
    const norm = (g: Float32Array, row: number) =>
      Math.hypot(...Array.from(g.subarray(row * dim, (row + 1) * dim)));
    const outlier = norm(r.g1, 0);
    const others = c.H1.slice(1)
      .map((_, i) => norm(r.g1, i + 1))
      .filter((n) => n > 0);
    expect(outlier).toBeLessThan(1e-12);
    expect(Math.min(...others)).toBeGreaterThan(1e-4);
  });

  it('unequal batch sizes are handled (m1 ≠ m2)', () => {
    const c = cases.find((x) => x.name.startsWith('unequal'))!;
    expect(c.H1.length).not.toBe(c.H2.length);
    const r = evaluate(c, 'biased');
    expect(r.g1.length).toBe(c.H1.length * c.H1[0].length);
    expect(r.g2.length).toBe(c.H2.length * c.H2[0].length);
  });
});

describe('σ carries no gradient', () => {
  it('the gradient of σ w.r.t. the distances is exactly zero', () => {
    const h = tf.randomNormal([12, 5], 0, 1, 'float32', 7) as tf.Tensor2D;
    const g = tf.grad((x: tf.Tensor) => medianBandwidth(pairwiseSqDist(x as tf.Tensor2D)))(h);
    expect(Math.max(...Array.from(g.dataSync(), Math.abs))).toBe(0);
    tf.dispose([h, g]);
  });

  it('the median takes the mean of the two middle values for an even count of pairs', () => {
    // 4 points on a line: 6 pairs; squared distances 1,4,9,1,4,1 → sorted 1,1,1,4,4,9 → (1+4)/2.
    const h = tf.tensor2d([[0], [1], [2], [3]]);
    const s = medianBandwidth(pairwiseSqDist(h));
    expect(s.dataSync()[0]).toBeCloseTo(2.5, 6);
    tf.dispose([h, s]);
  });

  it('does not leak tensors', () => {
    const h1 = tf.randomNormal([16, 8]) as tf.Tensor2D;
    const h2 = tf.randomNormal([16, 8]) as tf.Tensor2D;
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 16 }, (_, i) => i % 4),
          'int32',
        ),
        10,
      )
      .toFloat() as tf.Tensor2D;
    const once = () =>
      tf.tidy(() =>
        tf.grads(
          (a: tf.Tensor, b: tf.Tensor) =>
            matchingLoss(a as tf.Tensor2D, b as tf.Tensor2D, y, y, 'biased').match,
        )([h1, h2]),
      );
    tf.dispose(once());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) tf.dispose(once());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([h1, h2, y]);
  });
});

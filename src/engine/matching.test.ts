/**
 * The matching loss against ../shared/golden (float64 references), both estimators:
 * value, σ, per-class MMD, the gradient w.r.t. both feature sets, the intra-class distance.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_FILE, hasGolden, SKIP_NO_SHARED } from '../../test/shared';
import type { Estimator } from './config';
import { CLASS_MMD2, MATCHING_GRADIENT, PAIRWISE_SQ_DIST } from './kernels/matchingKernels';
import {
  clearMatchingCache,
  matchingLossOf,
  medianBandwidth,
  normalizedIntraClassDistance,
  pairwiseSqDist,
  setMatchingKernels,
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
  const y1 = tf.cast(tf.oneHot(tf.tensor1d(c.y1, 'int32'), NUM_CLASSES), 'float32') as tf.Tensor2D;
  const y2 = tf.cast(tf.oneHot(tf.tensor1d(c.y2, 'int32'), NUM_CLASSES), 'float32') as tf.Tensor2D;
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
    const r = matchingLossOf(
      a as tf.Tensor2D,
      b as tf.Tensor2D,
      c.y1,
      c.y2,
      NUM_CLASSES,
      estimator,
    );
    r.sigma.dispose();
    r.perClass.dispose();
    return r.match;
  })([h1, h2]);
  const parts = matchingLossOf(h1, h2, c.y1, c.y2, NUM_CLASSES, estimator);
  const intra = normalizedIntraClassDistance(h1, h2, y1, y2);
  const out = {
    match: value.dataSync()[0],
    g1: grads[0].dataSync() as Float32Array,
    g2: grads[1].dataSync() as Float32Array,
    sigma: parts.sigma.dataSync()[0],
    perClass: Array.from(parts.perClass.dataSync()),
    kept: Array.from(parts.kept),
    intra: intra.dataSync()[0],
  };
  tf.dispose([h1, h2, y1, y2, value, ...grads, parts.match, parts.sigma, parts.perClass, intra]);
  return out;
}

// wasm runs the composite of tfjs ops, cpu matchingKernels.ts's loops (as WebGPU its WGSL).
describe.skipIf(!hasGolden).each(['wasm', 'cpu'])(
  `golden cases on %s ${hasGolden ? '' : SKIP_NO_SHARED}`,
  (backend) => {
    beforeAll(async () => {
      clearMatchingCache();
      await tf.setBackend(backend);
    });
    afterAll(async () => {
      clearMatchingCache();
      await tf.setBackend('wasm');
    });

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
  },
);

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

  it('matchingLossOf called outside any tidy leaves only its results', () => {
    const h1 = tf.randomNormal([6, 3]) as tf.Tensor2D;
    const h2 = tf.randomNormal([5, 3]) as tf.Tensor2D;
    const r0 = matchingLossOf(h1, h2, [0, 1, 0, 1, 2, 2], [0, 1, 1, 2, 2], 3, 'unbiased');
    tf.dispose([r0.match, r0.sigma, r0.perClass]);
    const before = tf.memory().numTensors;
    const r = matchingLossOf(h1, h2, [0, 1, 0, 1, 2, 2], [0, 1, 1, 2, 2], 3, 'unbiased');
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([r.match, r.sigma, r.perClass, h1, h2]);
  });

  it('does not leak tensors', () => {
    const h1 = tf.randomNormal([16, 8]) as tf.Tensor2D;
    const h2 = tf.randomNormal([16, 8]) as tf.Tensor2D;
    const labels = Array.from({ length: 16 }, (_, i) => i % 4);
    const once = () =>
      tf.tidy(() =>
        tf.grads(
          (a: tf.Tensor, b: tf.Tensor) =>
            matchingLossOf(a as tf.Tensor2D, b as tf.Tensor2D, labels, labels, 10, 'biased').match,
        )([h1, h2]),
      );
    tf.dispose(once());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) tf.dispose(once());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([h1, h2]);
  });
});

/**
 * The written-out gradient of matchingLoss against tfjs's autodiff of the same formulas (the
 * implementation before the custom gradient), on random batches the golden cases do not have:
 * uneven sizes, classes missing from one side, one-row classes, σ fixed and from the median.
 */
function tapeMatchingLoss(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  y1: tf.Tensor2D,
  y2: tf.Tensor2D,
  estimator: Estimator,
  fixedSigma?: tf.Scalar,
): tf.Scalar {
  const m1 = h1.shape[0];
  const m2 = h2.shape[0];
  const d = pairwiseSqDist(tf.concat([h1, h2], 0));
  const sigma = fixedSigma ?? medianBandwidth(d);
  const k = tf.exp(tf.neg(tf.div(d, sigma)));
  const s = (ya: tf.Tensor2D, kk: tf.Tensor, yb: tf.Tensor2D) =>
    tf.sum(tf.mul(ya, tf.matMul(kk as tf.Tensor2D, yb)), 0);
  const s11 = s(y1, tf.slice(k, [0, 0], [m1, m1]), y1);
  const s22 = s(y2, tf.slice(k, [m1, m1], [m2, m2]), y2);
  const s12 = s(y1, tf.slice(k, [0, m1], [m1, m2]), y2);
  const n = tf.sum(y1, 0);
  const m = tf.sum(y2, 0);
  const at1 = (t: tf.Tensor) => tf.maximum(t, 1);
  const cross = tf.div(tf.mul(2, s12), at1(tf.mul(n, m)));
  const min = estimator === 'biased' ? 1 : 2;
  const mmd2 =
    estimator === 'biased'
      ? tf.sub(tf.add(tf.div(s11, at1(tf.square(n))), tf.div(s22, at1(tf.square(m)))), cross)
      : tf.sub(
          tf.add(
            tf.div(tf.sub(s11, n), at1(tf.mul(n, tf.sub(n, 1)))),
            tf.div(tf.sub(s22, m), at1(tf.mul(m, tf.sub(m, 1)))),
          ),
          cross,
        );
  const kept = tf.mul(
    tf.cast(tf.greaterEqual(n, min), 'float32'),
    tf.cast(tf.greaterEqual(m, min), 'float32'),
  );
  const per = tf.mul(tf.sqrt(tf.add(tf.relu(mmd2), 1e-8)), kept);
  return tf.div(tf.sum(per), at1(tf.sum(kept))) as tf.Scalar;
}

// cpu: matchingKernels.ts's loops, and the composite of tfjs ops with them switched off; wasm
// has no such kernels registered (the composite runs there, as on WebGL).
describe.each([
  { backend: 'cpu', allowed: true, kernels: true },
  { backend: 'cpu', allowed: false, kernels: false },
  { backend: 'wasm', allowed: true, kernels: false },
])(
  'matchingLoss: written-out gradient = autodiff of the formulas ($backend, kernels $kernels)',
  ({ backend, allowed, kernels }) => {
    beforeAll(async () => {
      clearMatchingCache();
      await tf.setBackend(backend);
      setMatchingKernels(allowed);
    });
    afterAll(async () => {
      setMatchingKernels(true);
      clearMatchingCache();
      await tf.setBackend('wasm');
    });

    it(kernels ? 'runs matchingKernels.ts' : 'runs the composite of tfjs ops', async () => {
      const h = tf.tensor2d(
        Array.from({ length: 40 }, (_, i) => Math.sin(i)),
        [8, 5],
      );
      const { kernelNames, result } = await tf.profile(() =>
        tf.grad(
          (x: tf.Tensor) =>
            matchingLossOf(
              x as tf.Tensor2D,
              x as tf.Tensor2D,
              [0, 1, 0, 1, 2, 2, 0, 1],
              [1, 0, 1, 0, 2, 2, 1, 0],
              3,
              'biased',
            ).match,
        )(h),
      );
      for (const k of [PAIRWISE_SQ_DIST, CLASS_MMD2, MATCHING_GRADIENT]) {
        expect(kernelNames.includes(k)).toBe(kernels);
      }
      tf.dispose([h, result as tf.Tensor]);
    });

    it('a NaN feature makes Match_c NaN, even in a class one batch lacks (the guard reads it)', () => {
      // Row 3 of S2 is NaN and the only row of class 2, which S1 lacks: its class is not
      // kept, but its NaN must still reach the loss, or the step guard would let it through.
      const h1 = tf.tensor2d([0, 1, 1, 0, 0.5, 0.5, 1, 1], [4, 2]);
      const h2 = tf.tensor2d([0.2, 1, 1, 0.1, 0.4, 0.6, Number.NaN, 0.3], [4, 2]);
      const r = matchingLossOf(h1, h2, [0, 1, 0, 1], [0, 1, 0, 2], 3, 'biased');
      expect(r.match.dataSync()[0]).toBeNaN();
      tf.dispose([h1, h2, r.match, r.sigma, r.perClass]);
    });

    const rand = (seed: number) => () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const cases: Array<[string, number, number, number[], number[]]> = [
      // name, m1, m2, classes drawn for S1, for S2
      ['uneven 9/5', 9, 5, [0, 1, 2, 3], [0, 1, 2]],
      ['uneven 4/11, a class only in S2', 4, 11, [0, 1], [0, 1, 3]],
      ['one-row classes', 6, 6, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]],
      ['one class for all rows (unconditional ITRA)', 7, 5, [0], [0]],
    ];
    for (const [name, m1, m2, c1, c2] of cases) {
      for (const estimator of ['biased', 'unbiased'] as const) {
        for (const fixed of [false, true]) {
          it(`${name}, ${estimator}, σ ${fixed ? 'fixed' : 'median'}`, async () => {
            const r = rand(m1 * 31 + m2);
            clearMatchingCache(); // its index tensors are kept on purpose: count without them
            const before = tf.memory().numTensors;
            const res = tf.tidy(() => {
              const h1 = tf.tensor2d(Array.from({ length: m1 * 5 }, r), [m1, 5]);
              const h2 = tf.tensor2d(Array.from({ length: m2 * 5 }, r), [m2, 5]);
              const labels = (m: number, cs: number[]) =>
                Array.from({ length: m }, (_, i) => cs[i % cs.length]!);
              const l1 = labels(m1, c1);
              const l2 = labels(m2, c2);
              const oneHot = (l: number[]) =>
                tf.cast(tf.oneHot(tf.tensor1d(l, 'int32'), 6), 'float32') as tf.Tensor2D;
              const y1 = oneHot(l1);
              const y2 = oneHot(l2);
              const sigma = fixed ? tf.scalar(0.7) : undefined;
              const ours = tf.valueAndGrads(
                (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
                  matchingLossOf(a as tf.Tensor2D, b as tf.Tensor2D, l1, l2, 6, estimator, sigma)
                    .match,
              )([h1, h2]);
              const ref = tf.valueAndGrads(
                (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
                  tapeMatchingLoss(a as tf.Tensor2D, b as tf.Tensor2D, y1, y2, estimator, sigma),
              )([h1, h2]);
              return [ours.value, ...ours.grads, ref.value, ...ref.grads];
            });
            const [v, g1, g2, rv, rg1, rg2] = await Promise.all(res.map((t) => t.data()));
            tf.dispose(res);
            clearMatchingCache();
            expect(tf.memory().numTensors).toBe(before);
            expect(v![0]).toBeCloseTo(rv![0]!, 5);
            const scale = Math.max(...[...rg1!, ...rg2!].map(Math.abs), 1e-6);
            for (const [a, b] of [
              [g1!, rg1!],
              [g2!, rg2!],
            ] as const) {
              expect(a.length).toBe(b.length);
              for (let i = 0; i < a.length; i++)
                expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4 * scale);
            }
          });
        }
      }
    }
  },
);

/**
 * PCA on the backend against a reference decomposition (ml-matrix's symmetric EVD of the same
 * covariance, in float64), and orthogonal Procrustes: a rotated or reflected copy of a frame
 * aligns back onto it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { principalAxes } from './pca';
import { alignTo, procrustesRotation } from './procrustes';

/** Box–Muller on the seeded uniform stream. */
const gaussian = (rng: Rng) => () =>
  Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

/** n samples in d dims with variances falling off by axis, in a random orientation. */
function knownMatrix(n: number, d: number, seed: number): number[][] {
  const normal = gaussian(new Rng(seed));
  const scales = Array.from({ length: d }, (_, i) => 3 / (1 + i) ** 1.2);
  const q = new Matrix(Array.from({ length: d }, () => Array.from({ length: d }, () => normal())));
  const basis = new EigenvalueDecomposition(q.mmul(q.transpose())).eigenvectorMatrix;
  const z = new Matrix(Array.from({ length: n }, () => scales.map((s) => s * normal() + 0.5)));
  return z.mmul(basis.transpose()).to2DArray();
}

function reference(rows: number[][]) {
  const x = new Matrix(rows);
  const mean = x.mean('column');
  const xc = x.clone().subRowVector(mean);
  const cov = xc.transpose().mmul(xc).div(rows.length);
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  return {
    values: order.slice(0, 2).map(([v]) => v),
    vectors: order.slice(0, 2).map(([, i]) => evd.eigenvectorMatrix.getColumn(i)),
  };
}

describe('PCA on the training backend', () => {
  it.each([
    [300, 8, 1],
    [500, 32, 2],
    [200, 128, 3],
  ])('n=%i, d=%i: the top-2 axes and variances match the reference EVD', async (n, d, seed) => {
    const rows = knownMatrix(n, d, seed);
    const ref = reference(rows);
    const h = tf.tensor2d(rows);
    const got = await principalAxes(h);
    h.dispose();
    for (let j = 0; j < 2; j++) {
      expect(got.variances[j]).toBeCloseTo(ref.values[j]!, 2);
      const axis = Array.from({ length: d }, (_, i) => got.axes[i * 2 + j]!);
      // Eigenvectors are defined up to sign: |cos| between the two is 1.
      const dot = axis.reduce((s, v, i) => s + v * ref.vectors[j]![i]!, 0);
      expect(Math.abs(dot)).toBeGreaterThan(0.9999);
    }
    // The projection is the centred data on those axes: its variance along x is λ1.
    let sx = 0;
    for (let i = 0; i < n; i++) sx += got.xy[2 * i]! ** 2;
    expect(sx / n).toBeCloseTo(ref.values[0]!, 2);
  });

  it('collapsed features (all equal) give zero variance and finite coordinates', async () => {
    const h = tf.ones([50, 16]) as tf.Tensor2D;
    const got = await principalAxes(h);
    h.dispose();
    expect(got.variances[0]).toBeCloseTo(0, 6);
    expect(got.xy.every((v) => Number.isFinite(v) && Math.abs(v) < 1e-5)).toBe(true);
  });
});

describe('Procrustes alignment', () => {
  const normal = gaussian(new Rng(9));
  const frame = Float64Array.from({ length: 400 }, () => normal());
  const transform = (m: number[]) => {
    const out = new Float64Array(frame.length);
    for (let i = 0; i < frame.length; i += 2) {
      out[i] = frame[i]! * m[0]! + frame[i + 1]! * m[2]!;
      out[i + 1] = frame[i]! * m[1]! + frame[i + 1]! * m[3]!;
    }
    return out;
  };

  it.each([
    ['a rotation by 1 rad', [Math.cos(1), -Math.sin(1), Math.sin(1), Math.cos(1)]],
    ['a sign flip of one axis', [-1, 0, 0, 1]],
    ['swapped axes', [0, 1, 1, 0]],
    ['a rotation by 3 rad', [Math.cos(3), Math.sin(3), -Math.sin(3), Math.cos(3)]],
  ])('keeps a copy under %s in place', (_, m) => {
    const moved = transform(m);
    const aligned = alignTo(moved, frame);
    const err = Math.max(...aligned.map((v, i) => Math.abs(v - frame[i]!)));
    expect(err).toBeLessThan(1e-9);
    // …and the transform it found is orthogonal.
    const r = procrustesRotation(moved, frame);
    expect(r[0] * r[0] + r[2] * r[2]).toBeCloseTo(1, 12);
    expect(r[0] * r[1] + r[2] * r[3]).toBeCloseTo(0, 12);
  });

  it('keeps distances: the aligned frame of a noisy copy is only a rotation of it', () => {
    const noisy = transform([0, -1, 1, 0]).map((v) => v + 0.01 * normal());
    const aligned = alignTo(noisy, frame);
    const d = (a: Float64Array, i: number, j: number) =>
      Math.hypot(a[2 * i]! - a[2 * j]!, a[2 * i + 1]! - a[2 * j + 1]!);
    expect(d(aligned, 3, 70)).toBeCloseTo(d(noisy, 3, 70), 10);
    expect(Math.abs(aligned[0]! - frame[0]!)).toBeLessThan(0.05);
  });

  it('no previous frame, or a different point count: unchanged', () => {
    expect(alignTo(frame, null)).toBe(frame);
    expect(alignTo(frame, new Float64Array(10))).toBe(frame);
  });
});

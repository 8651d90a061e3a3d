/**
 * The label-only part of the matching loss for one pair of mini-batches, built on the CPU from
 * the class indices (no kernels): which rows pair with which, the estimator's normalisers and
 * which classes enter the mean (spec, "The matching loss"). `matchingLoss` then needs one
 * matrix product to get every per-class kernel sum, and one to spread the gradient back.
 *
 * With Y1, Y2 the one-hot labels (m1×C, m2×C) of the stacked features [H1; H2]:
 *   z    = [[Y1, 0, 0], [0, Y2, Y2]]    (m1+m2)×3C
 *   mask = [[Y1, 0, Y1], [0, Y2, 0]]    (m1+m2)×3C
 * so that the column sums of mask ⊙ (K·z) are [ΣK(a,a') | ΣK(b,b') | ΣK(a,b)] per class.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Estimator } from './config';

export interface MatchingPlan {
  numClasses: number;
  /** Rows of S1 (the first m1 rows of [H1; H2]). */
  m1: number;
  /** m1 + m2: each row's class index as float32 (matchingKernels.ts reads it). */
  rowClass: tf.Tensor1D;
  z: tf.Tensor2D;
  mask: tf.Tensor2D;
  /**
   * 3C: [N11 | N22 | −N12/2], the estimator's normalisers (each at least 1): MMD²_c is the sum
   * over the three blocks of (s + shift)/norm. Divisions, not products with reciprocals: the
   * three terms cancel to a small number, and 1/N rounds (the golden cases notice).
   */
  norm: tf.Tensor1D;
  /** 3C: unbiased [−n | −m | 0] (removes the diagonal K(a,a) = 1 from the sums); biased null. */
  shift: tf.Tensor1D | null;
  /** C: kept_c / max(1, Σ kept): Match_c is Σ weight_c · MMD_c. */
  weight: tf.Tensor1D;
  /** C, on the CPU: 1 where the class enters the mean (in both batches, ≥2 rows if unbiased). */
  kept: Float32Array;
}

export function matchingPlan(
  labels1: ArrayLike<number>,
  labels2: ArrayLike<number>,
  numClasses: number,
  estimator: Estimator,
): MatchingPlan {
  const c = numClasses;
  const m1 = labels1.length;
  const m = m1 + labels2.length;
  const z = new Float32Array(m * 3 * c);
  const mask = new Float32Array(m * 3 * c);
  const rowClass = new Float32Array(m);
  const n1 = new Float32Array(c);
  const n2 = new Float32Array(c);
  for (let i = 0; i < m; i++) {
    const first = i < m1;
    const k = first ? labels1[i]! : labels2[i - m1]!;
    if (!(Number.isInteger(k) && k >= 0 && k < c)) {
      throw new RangeError(`Label ${k} is not a class index in 0..${c - 1}`);
    }
    rowClass[i] = k;
    const row = i * 3 * c;
    if (first) {
      n1[k]!++;
      z[row + k] = 1;
      mask[row + k] = 1;
      mask[row + 2 * c + k] = 1;
    } else {
      n2[k]!++;
      z[row + c + k] = 1;
      z[row + 2 * c + k] = 1;
      mask[row + c + k] = 1;
    }
  }
  const norm = new Float32Array(3 * c);
  const shift = new Float32Array(3 * c);
  const kept = new Float32Array(c);
  const unbiased = estimator === 'unbiased';
  for (let k = 0; k < c; k++) {
    const n = n1[k]!;
    const mm = n2[k]!;
    const n11 = Math.max(1, unbiased ? n * (n - 1) : n * n);
    const n22 = Math.max(1, unbiased ? mm * (mm - 1) : mm * mm);
    norm[k] = n11;
    norm[c + k] = n22;
    norm[2 * c + k] = -Math.max(1, n * mm) / 2;
    shift[k] = -n;
    shift[c + k] = -mm;
    const least = unbiased ? 2 : 1;
    kept[k] = n >= least && mm >= least ? 1 : 0;
  }
  const keptCount = Math.max(
    1,
    kept.reduce((a, b) => a + b, 0),
  );
  return {
    numClasses: c,
    m1,
    rowClass: tf.tensor1d(rowClass),
    z: tf.tensor2d(z, [m, 3 * c]),
    mask: tf.tensor2d(mask, [m, 3 * c]),
    norm: tf.tensor1d(norm),
    shift: unbiased ? tf.tensor1d(shift) : null,
    weight: tf.tensor1d(kept.map((v) => v / keptCount)),
    kept,
  };
}

/** Unconditional ITRA (Eq. 3): every row in one class. */
export function unconditionalPlan(m1: number, m2: number, estimator: Estimator): MatchingPlan {
  return matchingPlan(new Int32Array(m1), new Int32Array(m2), 1, estimator);
}

export function disposePlan(plan: MatchingPlan): void {
  tf.dispose([plan.rowClass, plan.z, plan.mask, plan.norm, plan.weight]);
  plan.shift?.dispose();
}

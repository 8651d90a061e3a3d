/**
 * The matching loss of ITRA (Eq. 3) and ITRA-c (Eq. 5), exactly as the project's ITRA spec (itra-spec.md)
 * computes it, with static shapes (one-hot masks, no per-class loop) so that WebGPU compiles
 * each kernel once.
 *
 *   K(a, b) = exp(-‖a − b‖² / σ),  σ = median of ‖a − b‖² over pairs i<j of [H1; H2], no gradient,
 *   floored at 1e-6 (mean of the two middle values for an even count).
 *   biased:   MMD² = 1/n² ΣK(a,a') + 1/m² ΣK(b,b') − 2/(nm) ΣK(a,b)       (V-statistic)
 *   unbiased: MMD² = Σ_{i≠j}K(a,a')/(n(n−1)) + Σ_{i≠j}K(b,b')/(m(m−1)) − 2/(nm) ΣK(a,b)
 *   MMD = sqrt(max(0, MMD²) + 1e-8)
 *   Match_c = mean of MMD over the classes present in both batches (≥2 rows each when unbiased).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Estimator } from './config';
import { customGrad, type SaveFunc } from './customGrad';
import {
  classMmd2,
  hasMatchingKernels,
  matchingGradient,
  pairwiseSqDistKernel,
} from './kernels/matchingKernels';
import { hasMedianKernel, upperTriangleMedianKernel } from './kernels/median';
import { disposePlan, type MatchingPlan, matchingPlan } from './matchingPlan';

export const SIGMA_FLOOR = 1e-6;
export const SQRT_EPS = 1e-8;

/** Index tensors reused across steps (shapes are fixed), keyed by row count. */
const upperIndexCache = new Map<number, tf.Tensor1D>();
const offDiagCache = new Map<number, tf.Tensor2D>();

function upperTriangleIndices(n: number): tf.Tensor1D {
  let t = upperIndexCache.get(n);
  if (!t) {
    const idx = new Int32Array((n * (n - 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) idx[k++] = i * n + j;
    t = tf.keep(tf.tensor1d(idx, 'int32'));
    upperIndexCache.set(n, t);
  }
  return t;
}

function offDiagonalMask(n: number): tf.Tensor2D {
  let t = offDiagCache.get(n);
  if (!t) {
    t = tf.keep(tf.sub(1, tf.eye(n)) as tf.Tensor2D);
    offDiagCache.set(n, t);
  }
  return t;
}

/**
 * Frees the cached index tensors (tests that count tensors, backend switches). After a lost
 * device their backend is gone: pass `dispose = false` to just forget them.
 */
export function clearMatchingCache(dispose = true): void {
  if (dispose) {
    for (const t of upperIndexCache.values()) t.dispose();
    for (const t of offDiagCache.values()) t.dispose();
  }
  upperIndexCache.clear();
  offDiagCache.clear();
}

/** Squared Euclidean distances between all rows of `h`: n×n, exactly 0 on the diagonal, ≥ 0. */
export function pairwiseSqDist(h: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(h), 1, true);
    const d = tf.add(tf.add(sq, tf.reshape(sq, [1, -1])), tf.matMul(tf.mul(h, -2), h, false, true));
    return tf.mul(tf.relu(d), offDiagonalMask(h.shape[0])) as tf.Tensor2D;
  });
}

/** Squared distances between rows of `a` and rows of `b`: n×m, ≥ 0. */
export function crossSqDist(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sa = tf.sum(tf.square(a), 1, true);
    const sb = tf.sum(tf.square(b), 1, true);
    return tf.relu(
      tf.sub(tf.add(sa, tf.transpose(sb)), tf.mul(2, tf.matMul(a, b, false, true))),
    ) as tf.Tensor2D;
  });
}

/**
 * σ without a gradient wrapper (callers are inside a customGrad forward, which is not taped).
 * One kernel where the backend has ours (median.ts); on webgl (and for very large
 * batches on webgpu), topk over the gathered upper triangle.
 */
function bandwidth(d: tf.Tensor2D): tf.Scalar {
  const n = d.shape[0];
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return tf.scalar(SIGMA_FLOOR);
  if (hasMedianKernel(n)) return upperTriangleMedianKernel(d, SIGMA_FLOOR);
  return tf.tidy(() => {
    const v = tf.gather(tf.reshape(d, [-1]), upperTriangleIndices(n));
    const k = Math.floor(pairs / 2) + 1;
    const { values } = tf.topk(v, k, true);
    const mid =
      pairs % 2 === 1
        ? tf.slice(values, [k - 1], [1])
        : tf.mean(tf.slice(values, [k - 2], [2]), 0, true);
    return tf.maximum(tf.reshape(mid, []), SIGMA_FLOOR) as tf.Scalar;
  });
}

/**
 * σ: the median of the strict upper triangle of `d`, floored, with a zero gradient (tfjs has
 * no stopGradient; the ops inside a customGrad forward never reach the tape).
 */
export function medianBandwidth(d: tf.Tensor2D): tf.Scalar {
  const f = customGrad((dIn: tf.Tensor2D, _save: SaveFunc) => ({
    value: bandwidth(dIn),
    gradFunc: () => tf.zerosLike(dIn),
  }));
  return f(d);
}

export type MatchResult = {
  /** Match or Match_c (scalar, differentiable w.r.t. the features). */
  match: tf.Scalar;
  /** The bandwidth used (no gradient). */
  sigma: tf.Scalar;
  /** MMD per class (C), 0 where the class was left out. */
  perClass: tf.Tensor1D;
  /** 1 where the class entered the mean, else 0 (from the plan). */
  kept: Float32Array;
};

/**
 * Match_c with every diagnostic (eval steps, tests). `h` is [H1; H2] stacked, `plan` its labels
 * (matchingPlan.ts). With `unconditionalPlan` it is the unconditional ITRA loss (Eq. 3).
 */
export function matchingLoss(
  h: tf.Tensor2D,
  plan: MatchingPlan,
  fixedSigma?: tf.Scalar,
): MatchResult {
  const c = plan.numClasses;
  return tf.tidy(() => {
    const packed = matchingCore(h, plan, fixedSigma, true);
    return {
      match: tf.reshape(tf.slice(packed, [0], [1]), []) as tf.Scalar,
      sigma: tf.reshape(tf.slice(packed, [1], [1]), []) as tf.Scalar,
      perClass: tf.mul(tf.slice(packed, [2], [c]), tf.tensor1d(plan.kept)) as tf.Tensor1D,
      kept: plan.kept,
    };
  });
}

/** Match_c alone, for the training step: no packing, no slices on the tape. */
export function matchingObjective(
  h: tf.Tensor2D,
  plan: MatchingPlan,
  fixedSigma?: tf.Scalar,
): tf.Scalar {
  return matchingCore(h, plan, fixedSigma, false) as tf.Scalar;
}

/** `matchingLoss` from two feature sets and their class indices (tests, eval). */
export function matchingLossOf(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  labels1: ArrayLike<number>,
  labels2: ArrayLike<number>,
  numClasses: number,
  estimator: Estimator,
  fixedSigma?: tf.Scalar,
): MatchResult {
  const plan = matchingPlan(labels1, labels2, numClasses, estimator);
  try {
    return tf.tidy(() => matchingLoss(tf.concat([h1, h2], 0), plan, fixedSigma));
  } finally {
    disposePlan(plan);
  }
}

/**
 * One tf.customGrad with the gradient written out: tfjs's tape over the same formulas saved
 * (cloned) every intermediate and ran ~150 small kernels backwards, more than the fixed part of
 * a training step. Forward (plan: matchingPlan.ts, K = exp(−D/σ)):
 *   s = colsum(mask ⊙ K·z)  (3C: same-class sums within S1, within S2, across)
 *   MMD²_c = Σ_b (s + shift)_bc / norm_bc,  root_c = sqrt(relu(MMD²_c) + 1e-8),  Match = Σ w_c·root_c
 * Gradient (σ constant, spec): g_c = ∂Match/∂MMD²_c = w_c·[MMD²_c > 0] / (2·root_c);
 * ∂Match/∂K = mask·diag(g / norm)·zᵀ; ∂K/∂D = −K/σ; and since D_ij = ‖h_i − h_j‖²,
 * ∂L/∂H = 2·(diag(S·1)·H − S·H) with S = G + Gᵀ, G = ∂L/∂D. The code carries 2G (the 2 of
 * ∂D/∂h cancels the ½ of g). Output: Match, or [Match, σ, root (C)] when `packed`. Where
 * matchingKernels.ts is registered, D, MMD²_c and ∂L/∂H (written per pair) are one kernel
 * each; the small per-class vectors after MMD² stay tfjs ops either way.
 */
function matchingCore(
  h: tf.Tensor2D,
  plan: MatchingPlan,
  fixedSigma: tf.Scalar | undefined,
  packed: boolean,
): tf.Tensor {
  const c = plan.numClasses;
  // cpu and CPU-emulated WebGPU: D, the per-class MMD² and the gradient as one kernel each
  // (matchingKernels.ts); wasm and WebGL: the composite of tfjs ops below.
  const fused = useMatchingKernels && hasMatchingKernels();
  const pairs = { m1: plan.m1, numClasses: c };
  const f = customGrad((hIn: tf.Tensor2D, save: SaveFunc) => {
    const d = fused ? pairwiseSqDistKernel(hIn) : pairwiseSqDist(hIn);
    const sigma = fixedSigma ? tf.clone(fixedSigma) : bandwidth(d);
    const negInvSigma = tf.div(-1, sigma);
    const k = fused ? null : tf.exp(tf.mul(d, negInvSigma));
    let mmd2: tf.Tensor1D;
    if (k) {
      const s = tf.sum(tf.mul(plan.mask, tf.matMul(k, plan.z)), 0);
      const shifted = plan.shift ? tf.add(s, plan.shift) : s;
      mmd2 = tf.sum(tf.reshape(tf.div(shifted, plan.norm), [3, c]), 0);
    } else {
      mmd2 = classMmd2(d, sigma, plan.rowClass, { ...pairs, unbiased: plan.shift !== null });
    }
    const root = tf.sqrt(tf.add(tf.relu(mmd2), SQRT_EPS));
    const match = tf.sum(tf.mul(root, plan.weight));
    // The plan's tensors too: the caller may dispose the plan before the backward pass runs.
    // Fused: D and σ (the kernel recomputes K); composite: K and the masks.
    const pairData = k ? [k, plan.mask, plan.z] : [d, sigma, plan.rowClass];
    save([hIn, negInvSigma, mmd2, root, plan.norm, plan.weight, ...pairData]);
    return {
      value: packed ? tf.concat([tf.reshape(match, [1]), tf.reshape(sigma, [1]), root]) : match,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hS, negInvS, mmd2S, rootS, normS, weightS, a, b, cc] = saved as [
          tf.Tensor2D,
          tf.Scalar,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor,
          tf.Tensor,
        ];
        const dMatch = packed ? tf.slice(dy, [0], [1]) : dy;
        // 2·g·(−1/σ)·dMatch per class, spread over the three blocks of the plan.
        const g = tf.mul(tf.div(tf.mul(weightS, tf.step(mmd2S)), rootS), tf.mul(dMatch, negInvS));
        const w3 = tf.reshape(tf.div(g, tf.reshape(normS, [3, c])), [3 * c]) as tf.Tensor1D;
        if (fused) {
          return matchingGradient(hS, a, b as tf.Scalar, cc as tf.Tensor1D, w3, pairs);
        }
        const [kS, maskS, zS] = [a, b as tf.Tensor2D, cc as tf.Tensor2D];
        const twoG = tf.mul(
          tf.matMul(tf.mul(maskS, tf.reshape(w3, [1, 3 * c])), zS, false, true),
          kS,
        );
        const sym = tf.add(twoG, tf.transpose(twoG));
        return tf.sub(tf.mul(tf.sum(sym, 1, true), hS), tf.matMul(sym, hS));
      },
    };
  });
  return f(h);
}

/**
 * Whether the matching loss may use matchingKernels.ts where the backend has them (tests turn
 * it off to compare with the composite of tfjs ops, which wasm and WebGL always run).
 */
let useMatchingKernels = true;
export function setMatchingKernels(enabled: boolean): void {
  useMatchingKernels = enabled;
}

/**
 * Normalized intra-class distance (spec, "The curves"): mean Euclidean distance over
 * same-class cross pairs (h1_i, h2_j) divided by the mean over all cross pairs.
 * NaN when no class is shared (the caller records null).
 */
export function normalizedIntraClassDistance(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  y1: tf.Tensor2D,
  y2: tf.Tensor2D,
): tf.Scalar {
  return tf.tidy(() => {
    const dist = tf.sqrt(crossSqDist(h1, h2));
    const same = tf.matMul(y1, y2, false, true);
    const meanSame = tf.div(tf.sum(tf.mul(dist, same)), tf.sum(same));
    return tf.div(meanSame, tf.mean(dist)) as tf.Scalar;
  });
}

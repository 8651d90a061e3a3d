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
import * as tf from '@tensorflow/tfjs';
import type { Estimator } from './config';

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
    const d = tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(2, tf.matMul(h, h, false, true)));
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
 * σ: the median of the strict upper triangle of `d`, floored. Computed inside one customGrad
 * whose gradient is zero, so topk/gather never reach the tape (tfjs has no stopGradient).
 */
export function medianBandwidth(d: tf.Tensor2D): tf.Scalar {
  const n = d.shape[0];
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return tf.scalar(SIGMA_FLOOR);
  const f = tf.customGrad(((dIn: tf.Tensor) => {
    const v = tf.gather(tf.reshape(dIn, [-1]), upperTriangleIndices(n));
    const k = Math.floor(pairs / 2) + 1;
    const { values } = tf.topk(v, k, true);
    const mid =
      pairs % 2 === 1
        ? tf.slice(values, [k - 1], [1])
        : tf.mean(tf.slice(values, [k - 2], [2]), 0, true);
    const value = tf.maximum(tf.reshape(mid, []), SIGMA_FLOOR) as tf.Scalar;
    return { value, gradFunc: () => tf.zerosLike(dIn) };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Scalar>>[0]);
  return f(d) as tf.Scalar;
}

export type MatchResult = {
  /** Match or Match_c (scalar, differentiable w.r.t. H1 and H2). */
  match: tf.Scalar;
  /** The bandwidth used (no gradient). */
  sigma: tf.Scalar;
  /** MMD per class (C), 0 where the class was left out. */
  perClass: tf.Tensor1D;
  /** 1 where the class entered the mean, else 0. */
  kept: tf.Tensor1D;
};

/**
 * Class-conditional matching loss (ITRA-c, Eq. 5). `y1`, `y2` are one-hot float masks (m×C).
 * With a single all-ones column it is the unconditional ITRA loss (Eq. 3).
 *
 * One tf.customGrad with the gradient written out (below) instead of tfjs's tape over ~60 small
 * ops: the tape saved (cloned) every intermediate and ran ~150 kernels backwards, which made
 * the loss cost more than the fixed part of a training step. The golden cases check the
 * values and the gradients of this function.
 */
export function matchingLoss(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  y1: tf.Tensor2D,
  y2: tf.Tensor2D,
  estimator: Estimator,
  /** Use this σ instead of the median heuristic (tests hold σ fixed for finite differences). */
  fixedSigma?: tf.Scalar,
): MatchResult {
  const c = y1.shape[1];
  return tf.tidy(() => {
    const packed = matchingCore(h1, h2, y1, y2, estimator, fixedSigma);
    return {
      match: tf.reshape(tf.slice(packed, [0], [1]), []) as tf.Scalar,
      sigma: tf.reshape(tf.slice(packed, [1], [1]), []) as tf.Scalar,
      perClass: tf.slice(packed, [2], [c]) as tf.Tensor1D,
      kept: tf.slice(packed, [2 + c], [c]) as tf.Tensor1D,
    };
  });
}

/**
 * [Match_c, σ, MMD per class (C), kept (C)] as one vector; only Match_c carries a gradient.
 *
 * Gradient (σ is a constant, spec): with g_c = ∂Match/∂MMD²_c = kept_c / Σkept ·
 * 1/(2·sqrt(relu(MMD²_c) + 1e-8)) · [MMD²_c > 0], the loss is linear in the kernel values with
 * weights W = [[Y1·diag(g/N11)·Y1ᵀ, −Y1·diag(2g/(n·m))·Y2ᵀ], [0, Y2·diag(g/N22)·Y2ᵀ]]
 * (N11, N22: the estimator's normalisers). Then ∂L/∂D = G = −W ⊙ K ⊙ [D > 0] / σ and, since
 * D_ij = ‖h_i − h_j‖², ∂L/∂H = 2·(diag(S·1)·H − S·H) with S = G + Gᵀ.
 */
function matchingCore(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  y1: tf.Tensor2D,
  y2: tf.Tensor2D,
  estimator: Estimator,
  fixedSigma?: tf.Scalar,
): tf.Tensor1D {
  const m1 = h1.shape[0];
  const m2 = h2.shape[0];
  type Save = (ts: tf.Tensor[]) => void;
  const f = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: Save) => {
    const h = tf.concat([a, b], 0);
    const d = pairwiseSqDist(h);
    const sigma = fixedSigma ? tf.clone(fixedSigma) : medianBandwidth(d);
    const k = tf.exp(tf.neg(tf.div(d, sigma))) as tf.Tensor2D;
    const k11 = tf.slice(k, [0, 0], [m1, m1]);
    const k22 = tf.slice(k, [m1, m1], [m2, m2]);
    const k12 = tf.slice(k, [0, m1], [m1, m2]);
    // Per-class kernel sums over same-class pairs: Σ_rows Y ⊙ (K·Y).
    const s11 = tf.sum(tf.mul(y1, tf.matMul(k11, y1)), 0);
    const s22 = tf.sum(tf.mul(y2, tf.matMul(k22, y2)), 0);
    const s12 = tf.sum(tf.mul(y1, tf.matMul(k12, y2)), 0);
    const n = tf.sum(y1, 0);
    const m = tf.sum(y2, 0);
    const atLeast1 = (t: tf.Tensor) => tf.maximum(t, 1);
    const n12 = atLeast1(tf.mul(n, m));
    let n11: tf.Tensor;
    let n22: tf.Tensor;
    let within: tf.Tensor;
    let kept: tf.Tensor;
    if (estimator === 'biased') {
      n11 = atLeast1(tf.square(n));
      n22 = atLeast1(tf.square(m));
      within = tf.add(tf.div(s11, n11), tf.div(s22, n22));
      kept = tf.mul(
        tf.cast(tf.greaterEqual(n, 1), 'float32'),
        tf.cast(tf.greaterEqual(m, 1), 'float32'),
      );
    } else {
      // The diagonal K(a,a) = 1 exactly (d is 0 there), so removing it subtracts the count.
      n11 = atLeast1(tf.mul(n, tf.sub(n, 1)));
      n22 = atLeast1(tf.mul(m, tf.sub(m, 1)));
      within = tf.add(tf.div(tf.sub(s11, n), n11), tf.div(tf.sub(s22, m), n22));
      kept = tf.mul(
        tf.cast(tf.greaterEqual(n, 2), 'float32'),
        tf.cast(tf.greaterEqual(m, 2), 'float32'),
      );
    }
    const mmd2 = tf.sub(within, tf.div(tf.mul(2, s12), n12));
    const root = tf.sqrt(tf.add(tf.relu(mmd2), SQRT_EPS));
    const perClass = tf.mul(root, kept);
    const keptCount = atLeast1(tf.sum(kept));
    const match = tf.div(tf.sum(perClass), keptCount);
    // ∂Match/∂MMD²_c, and the per-class weights of the kernel values (see above).
    const g = tf.div(tf.mul(kept, tf.step(mmd2)), tf.mul(tf.mul(2, root), keptCount));
    save([a, b, y1, y2, k, d, sigma, tf.div(g, n11), tf.div(g, n22), tf.div(tf.mul(-2, g), n12)]);
    return {
      value: tf.concat([tf.reshape(match, [1]), tf.reshape(sigma, [1]), perClass, kept]),
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [aS, bS, y1S, y2S, kS, dS, sigmaS, w11, w22, w12] = saved as tf.Tensor2D[];
        const dMatch = tf.slice(dy, [0], [1]);
        const block = (ya: tf.Tensor2D, w: tf.Tensor, yb: tf.Tensor2D) =>
          tf.matMul(tf.mul(ya, tf.mul(w, dMatch)), yb, false, true);
        const w = tf.concat(
          [
            tf.concat([block(y1S, w11, y1S), block(y1S, w12, y2S)], 1),
            tf.concat([tf.zeros([m2, m1]), block(y2S, w22, y2S)], 1),
          ],
          0,
        );
        const gD = tf.div(tf.mul(tf.mul(w, kS), tf.step(dS)), tf.neg(sigmaS));
        const sym = tf.add(gD, tf.transpose(gD));
        const hS = tf.concat([aS, bS], 0);
        const dh = tf.mul(2, tf.sub(tf.mul(tf.sum(sym, 1, true), hS), tf.matMul(sym, hS)));
        return [tf.slice(dh, [0, 0], [m1, -1]), tf.slice(dh, [m1, 0], [m2, -1])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(h1, h2) as tf.Tensor1D;
}

/** Unconditional ITRA (Eq. 3): every row in one class. */
export function unconditionalMatchingLoss(
  h1: tf.Tensor2D,
  h2: tf.Tensor2D,
  estimator: Estimator,
  fixedSigma?: tf.Scalar,
): MatchResult {
  return tf.tidy(() => {
    const ones1 = tf.ones([h1.shape[0], 1]) as tf.Tensor2D;
    const ones2 = tf.ones([h2.shape[0], 1]) as tf.Tensor2D;
    return matchingLoss(h1, h2, ones1, ones2, estimator, fixedSigma);
  });
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

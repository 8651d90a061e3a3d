/**
 * The discriminability loss of Croitoru, Grigore and Ionescu (arXiv 2202.07073), exactly as
 * discern-spec.md transcribes the authors' code: a Gini-impurity term (each feature should fire
 * for one class) and a KL term (the features should cover the classes as often as they occur).
 * On the same layer as ITRA, h = E(x), of S1 only.
 *
 *   a = |h|,  M_kc = Σ_{i: y_i=k} a_ic / (n_k + ε),  P_kc = M_kc / (Σ_k' M_k'c + ε)
 *   Gini = (1/D) Σ_c (1 − Σ_k P_kc²)
 *   q_k = (Σ_c P_kc + ε) / Σ_kc P_kc,  t_k = n_k / m,  KL = Σ_{k: t_k>0} t_k (log t_k − log q_k)
 *
 * The label-only parts (t, Σ t log t, the per-class averaging matrix) are built on the CPU
 * from the batch's labels, like the matching plan.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customGrad, type SaveFunc } from './customGrad';

export const DISCERN_EPS = 1e-10;

/** The written-out gradient (default) or tfjs's tape over the plain ops (the bench compares). */
let writtenGradient = true;
export function setDiscernWrittenGradient(enabled: boolean): void {
  writtenGradient = enabled;
}

/** What the loss needs from the labels: built once per batch, on the CPU. */
export interface DiscernPlan {
  /** m×K: Y_ik / (n_k + ε), the per-class averaging of the rows. */
  averaging: tf.Tensor2D;
  /** K: the batch's class frequencies t_k = n_k / m. */
  target: tf.Tensor1D;
  /** Σ_k t_k log t_k over the classes present (the constant part of KL). */
  targetEntropyTerm: number;
  /** Σ_k t_k (1 for any non-empty batch). */
  targetMass: number;
}

/** Tensors in the caller's scope (tidy). */
export function discernPlan(labels: Int32Array, numClasses: number): DiscernPlan {
  const m = labels.length;
  const counts = new Float64Array(numClasses);
  for (const y of labels) counts[y]!++;
  const avg = new Float32Array(m * numClasses);
  for (let i = 0; i < m; i++) {
    const k = labels[i]!;
    avg[i * numClasses + k] = 1 / (counts[k]! + DISCERN_EPS);
  }
  const t = new Float32Array(numClasses);
  let entropyTerm = 0;
  let mass = 0;
  for (let k = 0; k < numClasses; k++) {
    const tk = m > 0 ? counts[k]! / m : 0;
    t[k] = tk;
    mass += tk;
    if (tk > 0) entropyTerm += tk * Math.log(tk);
  }
  return {
    averaging: tf.tensor2d(avg, [m, numClasses]),
    target: tf.tensor1d(t),
    targetEntropyTerm: entropyTerm,
    targetMass: mass,
  };
}

/**
 * P (K×D) and its column sums S (1×D) from a = |h| (m×D). `autodiffAbs`: |h| as h·sign(h), whose
 * autodiff gradient is sign(h), 0 at 0 as in PyTorch; tfjs's Abs gradient is −1 at 0, which
 * would move every exact zero of a ReLU feature.
 */
function classDistribution(h: tf.Tensor2D, plan: DiscernPlan, autodiffAbs = false) {
  const a = autodiffAbs ? tf.mul(h, tf.sign(h)) : tf.abs(h);
  const M = tf.matMul(plan.averaging, a, true, false); // K×D
  const S = tf.sum(M, 0, true); // 1×D
  const P = tf.div(M, tf.add(S, DISCERN_EPS)) as tf.Tensor2D;
  return { P, S };
}

/** KL from P, with u_k = Σ_c P_kc and s = Σ_k u_k. */
function klOf(P: tf.Tensor2D, plan: DiscernPlan) {
  const u = tf.sum(P, 1); // K
  const s = tf.sum(u);
  const logQ = tf.sub(tf.log(tf.add(u, DISCERN_EPS)), tf.log(s));
  const kl = tf.sub(plan.targetEntropyTerm, tf.sum(tf.mul(plan.target, logQ)));
  return { kl: kl as tf.Scalar, u, s };
}

/**
 * Gini and KL as plain tfjs ops (autodiff-able): the metrics shown at eval steps for every
 * method, and the reference the written-out gradient is tested against.
 */
export function discernTerms(
  h: tf.Tensor2D,
  plan: DiscernPlan,
): { gini: tf.Scalar; kl: tf.Scalar } {
  const { P } = classDistribution(h, plan, true);
  const D = h.shape[1];
  const gini = tf.sub(1, tf.div(tf.sum(tf.square(P)), D)) as tf.Scalar;
  return { gini, kl: klOf(P, plan).kl };
}

/**
 * λ_gini · Gini + λ_kl · KL as one custom gradient (the tape over the composite ran ~25 kernels):
 *   G_kc = ∂L/∂P_kc = −2 λ_g P_kc / D + λ_k (Σt / s − t_k / (u_k + ε))
 *   ∂L/∂M_kc = (G_kc − Σ_j G_jc P_jc) / (S_c + ε)
 *   ∂L/∂h_ic = sign(h_ic) · Σ_k Y_ik/(n_k + ε) · ∂L/∂M_kc
 * (P = M / (S + ε) with S_c = Σ_k M_kc; q_k = (u_k + ε)/s; a feature that is 0 everywhere
 * gets no gradient, as |h| has none at 0.)
 */
export function discernLoss(
  h: tf.Tensor2D,
  plan: DiscernPlan,
  lambdaGini: number,
  lambdaKl: number,
): tf.Scalar {
  if (!writtenGradient) {
    const t = discernTerms(h, plan);
    return tf.add(tf.mul(lambdaGini, t.gini), tf.mul(lambdaKl, t.kl)) as tf.Scalar;
  }
  const D = h.shape[1];
  const f = customGrad((x: tf.Tensor2D, save: SaveFunc) => {
    const { P, S } = classDistribution(x, plan);
    const { kl, u, s } = klOf(P, plan);
    const gini = tf.sub(1, tf.div(tf.sum(tf.square(P)), D));
    // The plan's tensors too: the forward pass's scope is gone when the gradient runs.
    save([x, P, S, u, s, plan.averaging, plan.target]);
    return {
      value: tf.add(tf.mul(lambdaGini, gini), tf.mul(lambdaKl, kl)) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [xs, Ps, Ss, us, ss, averaging, target] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Scalar,
          tf.Tensor2D,
          tf.Tensor1D,
        ];
        const klRow = tf.sub(tf.div(plan.targetMass, ss), tf.div(target, tf.add(us, DISCERN_EPS))); // K
        const G = tf.add(
          tf.mul(Ps, -2 * (lambdaGini / D)),
          tf.mul(tf.reshape(klRow, [-1, 1]), lambdaKl),
        );
        const dM = tf.div(
          tf.sub(G, tf.sum(tf.mul(G, Ps), 0, true)),
          tf.add(Ss, DISCERN_EPS),
        ) as tf.Tensor2D; // K×D
        const dA = tf.matMul(averaging, dM); // m×D
        return tf.mul(tf.mul(tf.sign(xs), dA), dy);
      },
    };
  });
  return f(h);
}

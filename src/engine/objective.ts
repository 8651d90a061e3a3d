/**
 * The training objective of one step, apart from the loop that runs it (trainer.ts): the
 * features of S1 (and S2 when matching), the cross-entropy, and each method's regularizer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './batches';
import type { TrainConfig } from './config';
import { discernLoss, discernPlan } from './discern';
import type { BatchNormUpdate } from './layers';
import { centerLoss, crossEntropy, smoothTargets } from './losses';
import { matchingObjective } from './matching';
import { type MatchingPlan, matchingPlan, unconditionalPlan } from './matchingPlan';
import type { Model } from './models';

/** λ_gini and λ_kl in force, or null when the discriminability loss is off. */
export interface DiscernWeights {
  gini: number;
  kl: number;
}

export interface LossParts {
  loss: tf.Scalar;
  /** Plain cross-entropy on S1 (what "train CE" logs, whatever the method). */
  ce: tf.Scalar;
  h1: tf.Tensor2D;
}

/**
 * The training objective of one step (spec, "One training step"):
 * L = CE(S1) [label-smoothed for LSR] + λ_c·center loss [center] + λ·Match [ITRA, ITRA-c]
 *   + λ_gini·Gini + λ_kl·KL [discern, on H1 only].
 * H2 is computed only when the matching term is on (λ > 0); S1 and S2 share one forward pass
 * when `concat` is set.
 */
export function trainingLoss(
  model: Model,
  batch: Batch,
  cfg: TrainConfig,
  lambda: number,
  centers: tf.Tensor2D,
  opts: {
    concat: boolean;
    bnOut?: BatchNormUpdate[];
    fixedSigma?: tf.Scalar;
    discern?: DiscernWeights | null;
  },
): LossParts {
  let h1: tf.Tensor2D;
  /** [H1; H2], what the matching loss reads. */
  let h: tf.Tensor2D | null = null;
  const m1 = batch.x1.shape[0];
  if (lambda > 0 && opts.concat) {
    h = model.features(tf.concat([batch.x1, batch.x2], 0), true, opts.bnOut);
    h1 = tf.slice(h, [0, 0], [m1, -1]);
  } else {
    h1 = model.features(batch.x1, true, opts.bnOut);
    // S2 through its own pass: its batch statistics do not update the running ones.
    if (lambda > 0) h = tf.concat([h1, model.features(batch.x2, true)], 0);
  }
  const logits = model.logits(h1);
  const ce = crossEntropy(logits, batch.y1);
  let loss: tf.Tensor =
    cfg.method === 'lsr' ? crossEntropy(logits, smoothTargets(batch.y1, cfg.labelSmoothing)) : ce;
  if (cfg.method === 'center') {
    loss = tf.add(loss, tf.mul(cfg.centerLambda, centerLoss(h1, batch.y1, centers)));
  }
  if (h) {
    const match = matchingObjective(h, planFor(batch, cfg), opts.fixedSigma);
    loss = tf.add(loss, tf.mul(lambda, match));
  }
  const d = opts.discern;
  if (d && (d.gini > 0 || d.kl > 0)) {
    const plan = discernPlan(batch.labels1, batch.y1.shape[1]);
    loss = tf.add(loss, discernLoss(h1, plan, d.gini, d.kl));
  }
  return { loss: loss as tf.Scalar, ce, h1 };
}

/** The label-only part of the matching loss for this batch (tensors in the caller's scope). */
export function planFor(batch: Batch, cfg: TrainConfig): MatchingPlan {
  return cfg.method === 'itra'
    ? unconditionalPlan(batch.labels1.length, batch.labels2.length, cfg.estimator)
    : matchingPlan(batch.labels1, batch.labels2, batch.y1.shape[1], cfg.estimator);
}

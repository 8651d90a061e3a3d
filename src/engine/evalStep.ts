/**
 * An eval step's tensors and what they mean: everything a point needs (test CE and accuracy,
 * the confusion, the current batch's matching terms, σ, feature variance, the guard's health,
 * Gini and KL, the feature views) packed into one tensor for one asynchronous read; then the
 * read's scalars, and the divergence and collapse events they trigger.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, EvalSet } from './batches';
import type { TrainConfig } from './config';
import { discernPlan, discernTerms } from './discern';
import { confusionTensor } from './features/classStats';
import type { FeatureViews } from './features/embedding';
import { withProgramChoices } from './kernels/programChoices';
import { matchingLoss, normalizedIntraClassDistance, SIGMA_FLOOR } from './matching';
import type { Model } from './models';
import { planFor } from './objective';
import type { RunEvent } from './runRecord';

/** Feature variance (mean over dimensions) below this counts as collapsed (spec). */
export const COLLAPSE_VARIANCE = 1e-10;

/** How many scalars lead the packed read (the confusion and the views follow). */
export const EVAL_SCALARS = 11;

export interface EvalInputs {
  model: Model;
  evalSet: EvalSet;
  views: FeatureViews | null;
  /** The current S1, S2 (features without gradient). */
  batch: Batch;
  cfg: TrainConfig;
  /** Training CE summed since the last eval, and over how many steps. */
  ceSum: tf.Scalar;
  stepsSinceEval: number;
  /** The optimizer's guard: 1 while every step was finite, and the count of finite steps. */
  healthy: tf.Scalar;
  finiteSteps: tf.Scalar;
}

/** Everything an eval point needs, in one tensor (the caller reads it once and disposes it). */
export function evalReadout({
  model,
  evalSet,
  views,
  batch,
  cfg,
  ceSum,
  stepsSinceEval,
  healthy,
  finiteSteps,
}: EvalInputs): tf.Tensor {
  const k = model.numClasses;
  return withProgramChoices(() =>
    tf.tidy(() => {
      let ceTotal: tf.Tensor = tf.scalar(0);
      let correct: tf.Tensor = tf.scalar(0);
      let confusion: tf.Tensor = tf.zeros([k, k]);
      for (const { x, y } of evalSet.batches) {
        const logits = model.logits(model.features(x, false));
        ceTotal = tf.add(ceTotal, tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)))));
        correct = tf.add(
          correct,
          tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')),
        );
        if (views) confusion = tf.add(confusion, confusionTensor(y, logits as tf.Tensor2D));
      }
      const h1 = model.features(batch.x1, false);
      const h2 = model.features(batch.x2, false);
      const m = matchingLoss(tf.concat([h1, h2], 0), planFor(batch, cfg));
      const featVar = tf.mean(tf.moments(tf.concat([h1, h2], 0), 0).variance);
      const dt = discernTerms(h1, discernPlan(batch.labels1, batch.y1.shape[1]));
      const n = Math.max(1, evalSet.size);
      const scalars = tf.stack([
        tf.div(ceTotal, n),
        tf.div(correct, n),
        tf.div(ceSum, Math.max(1, stepsSinceEval)),
        m.match,
        m.sigma,
        normalizedIntraClassDistance(h1, h2, batch.y1, batch.y2),
        featVar,
        healthy,
        finiteSteps,
        dt.gini,
        dt.kl,
      ]);
      // The feature views ride in the same single read (no extra read per eval step).
      return views
        ? tf.concat([scalars, tf.reshape(confusion, [-1]), views.tensors(model)])
        : scalars;
    }),
  );
}

export interface EvalScalars {
  testCE: number;
  accRead: number;
  trainCE: number;
  match: number;
  sigma: number;
  intra: number;
  featVar: number;
  healthy: number;
  finiteSteps: number;
  gini: number;
  kl: number;
}

/** The leading scalars of an eval read, by name (the order evalReadout stacks them in). */
export function evalScalars(v: ArrayLike<number>): EvalScalars {
  const [testCE, accRead, trainCE, match, sigma, intra, featVar, healthy, finiteSteps, gini, kl] =
    Array.from(v).slice(0, EVAL_SCALARS) as number[];
  return { testCE, accRead, trainCE, match, sigma, intra, featVar, healthy, finiteSteps, gini, kl };
}

export function divergedEvent(finiteSteps: number, lr: number): RunEvent {
  const at = Math.round(finiteSteps) + 1;
  return {
    kind: 'diverged',
    step: at,
    detail: `The loss or the parameters became NaN or infinite at step ${at} (learning rate ${lr}). The parameters keep their last finite values.`,
  };
}

/** The spec's collapse test: feature variance or σ at their floors. */
export function isCollapsed(featVar: number, sigma: number): boolean {
  return featVar < COLLAPSE_VARIANCE || sigma <= SIGMA_FLOOR * 1.0001;
}

export function collapsedEvent(step: number, featVar: number, sigma: number): RunEvent {
  return {
    kind: 'collapsed',
    step,
    detail:
      `Features collapsed (variance ${featVar.toExponential(2)}, σ ${sigma.toExponential(2)}): every input maps to nearly the same feature vector. ` +
      'The biased MMD estimator rewards "all features equal" before cross-entropy has made the features class-dependent. ' +
      'Use a longer warm-up, a smaller λ, or the unbiased estimator.',
  };
}

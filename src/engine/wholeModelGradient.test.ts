/**
 * The whole model's gradient (the engine's written-out layer and loss gradients together)
 * against central finite differences of the training loss, w.r.t. the weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainerFixture } from '../../test/trainerFixture';
import { BatchSampler, disposeBatch, EvalSet } from './batches';
import type { TrainConfig } from './config';
import { type DiscernWeights, Trainer, trainingLoss } from './trainer';

const { data, env, base } = trainerFixture();

/**
 * Central finite differences of the whole training loss w.r.t. every weight tensor, against the
 * gradient the step uses (autodiff through the written-out kernels and custom gradients).
 */
function checkWholeModelGradient(cfg: TrainConfig, lambda: number, discern: DiscernWeights | null) {
  {
    const sampler = new BatchSampler(data.train, 10, 12, 12, 3);
    const batch = sampler.next();
    const evalSet = new EvalSet(data.test, 10, 10, 1);
    const trainer = new Trainer({
      runId: 'fd',
      name: 'fd',
      config: cfg,
      data,
      evalSet,
      environment: env,
    });
    const params = trainer.model.params;
    const centers = tf.zeros([10, trainer.model.featureDim]) as tf.Tensor2D;
    const sigma = tf.scalar(0.1);
    const objective = () =>
      trainingLoss(trainer.model, batch, cfg, lambda, centers, {
        concat: true,
        fixedSigma: sigma,
        discern,
      }).loss;
    const { grads } = tf.variableGrads(objective, params);
    const g = params.map((p) => grads[p.name].dataSync().slice() as Float32Array);
    const w0 = params.map((p) => p.dataSync().slice() as Float32Array);
    /**
     * Directional derivatives: one direction per parameter tensor (its own gradient, normalised,
     * zero elsewhere), so every tensor's gradient is checked with a strong signal. Step 1e-4:
     * larger steps cross ReLU/max-pool kinks (the loss is piecewise smooth; higher-order stencils
     * make that worse), smaller ones drown in float32 rounding of the loss. Measured: all tensors
     * within 0.7-4.6% of autodiff; tolerance 5% + 2e-3. Dropping the matching term's gradient
     * changes the feature-extractor gradients by over 90%, far outside it.
     */
    const eps = 1e-4;
    const lossAt = (dir: Float32Array[], t: number) => {
      params.forEach((p, i) =>
        p.assign(
          tf.tensor(
            w0[i].map((v, k) => v + t * dir[i][k]),
            p.shape,
          ),
        ),
      );
      return tf.tidy(() => objective().dataSync()[0]);
    };
    params.forEach((p, j) => {
      const norm = Math.hypot(...g[j]);
      expect(norm, `${p.name} has a gradient`).toBeGreaterThan(0);
      const dir = params.map((_, i) =>
        i === j ? g[i].map((v) => v / norm) : new Float32Array(g[i].length),
      );
      const fd = (lossAt(dir, eps) - lossAt(dir, -eps)) / (2 * eps);
      expect
        .soft(Math.abs(fd - norm), `${p.name}: finite difference ${fd} vs autodiff ${norm}`)
        .toBeLessThan(0.05 * norm + 2e-3);
    });
    params.forEach((p, i) => p.assign(tf.tensor(w0[i], p.shape)));
    tf.dispose([centers, sigma, ...Object.values(grads)]);
    trainer.dispose();
    evalSet.dispose();
    disposeBatch(batch);
  }
}

describe('whole-model gradient', () => {
  it('matches central finite differences of CE + λ·Match_c (σ held fixed) w.r.t. the weights', () => {
    checkWholeModelGradient({ ...base, lambda: 1 }, 1, null);
  });

  it('matches central finite differences of CE + λ_gini·Gini + λ_kl·KL w.r.t. the weights', () => {
    checkWholeModelGradient({ ...base, method: 'discern' }, 0, { gini: 1, kl: 1 });
  });
});

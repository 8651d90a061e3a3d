/**
 * SGD with momentum (PyTorch's form: v ← μv + g, p ← p − lr·v) and Adam, with two properties
 * tfjs's own optimizers lack:
 *  - the learning rate is a scalar variable, so it changes live without touching the state;
 *  - every update is guarded on the GPU: if the loss or any new parameter is not finite, no
 *    parameter or slot changes, and the run's `healthy` flag drops to 0 for good. So a diverging
 *    run keeps its last finite parameters without reading anything back on ordinary steps; the
 *    trainer reads the flag at eval steps only.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerId } from './config';

export class GuardedOptimizer {
  readonly lr: tf.Variable<tf.Rank.R0>;
  /** 1 while every step so far was finite, then 0 forever. */
  readonly healthy: tf.Variable<tf.Rank.R0>;
  /** Number of finite steps applied; at divergence, the index of the failing step. */
  readonly finiteSteps: tf.Variable<tf.Rank.R0>;
  private readonly slots: tf.Variable[][];
  private readonly t: tf.Variable<tf.Rank.R0>;

  constructor(
    readonly kind: OptimizerId,
    private readonly params: tf.Variable[],
    lr: number,
    private readonly momentum: number,
  ) {
    // tidy frees the initial values; variables survive it.
    const v = (t: () => tf.Tensor) => tf.tidy(() => tf.variable(t(), false));
    this.lr = v(() => tf.scalar(lr)) as tf.Variable<tf.Rank.R0>;
    this.healthy = v(() => tf.scalar(1)) as tf.Variable<tf.Rank.R0>;
    this.finiteSteps = v(() => tf.scalar(0)) as tf.Variable<tf.Rank.R0>;
    this.t = v(() => tf.scalar(0)) as tf.Variable<tf.Rank.R0>;
    const nSlots = kind === 'sgd' ? 1 : 2;
    this.slots = params.map((p) => Array.from({ length: nSlots }, () => v(() => tf.zerosLike(p))));
  }

  setLearningRate(lr: number): void {
    tf.tidy(() => this.lr.assign(tf.scalar(lr)));
  }

  /**
   * Applies `grads` (same order as params) if `loss` and the result are finite.
   * `extra` are further (variable, new value) pairs guarded by the same flag, e.g. centers or
   * batch-norm running statistics. Returns nothing; disposes nothing it was given.
   */
  apply(grads: tf.Tensor[], loss: tf.Scalar, extra: Array<[tf.Variable, tf.Tensor]> = []): void {
    tf.tidy(() => {
      const updates: Array<[tf.Variable, tf.Tensor]> = [];
      const tNew = tf.add(this.t, 1);
      grads.forEach((g, i) => {
        const p = this.params[i];
        if (this.kind === 'sgd') {
          const [v] = this.slots[i];
          const vNew = tf.add(tf.mul(this.momentum, v), g);
          updates.push([v, vNew], [p, tf.sub(p, tf.mul(this.lr, vNew))]);
        } else {
          const [m, v] = this.slots[i];
          const b1 = 0.9;
          const b2 = 0.999;
          const mNew = tf.add(tf.mul(b1, m), tf.mul(1 - b1, g));
          const vNew = tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(g)));
          const mHat = tf.div(mNew, tf.sub(1, tf.pow(b1, tNew)));
          const vHat = tf.div(vNew, tf.sub(1, tf.pow(b2, tNew)));
          const step = tf.div(tf.mul(this.lr, mHat), tf.add(tf.sqrt(vHat), 1e-8));
          updates.push([m, mNew], [v, vNew], [p, tf.sub(p, step)]);
        }
      });
      updates.push(...extra);
      // One finiteness test over the loss and every new value: NaN·0 and ∞·0 are NaN.
      // Pairwise adds, not tf.addN: WebGPU's AddN kernel binds every input at once and fails
      // validation past the device's storage-buffer limit (8 on SwiftShader).
      const probe = updates.reduce<tf.Tensor>(
        (acc, [, u]) => tf.add(acc, tf.mul(tf.sum(u), 0)),
        loss,
      );
      const ok = tf.logicalAnd(tf.isFinite(probe), tf.greater(this.healthy, 0.5));
      for (const [variable, value] of updates) variable.assign(tf.where(ok, value, variable));
      const okFloat = tf.cast(ok, 'float32');
      this.t.assign(tf.add(this.t, okFloat));
      this.finiteSteps.assign(tf.add(this.finiteSteps, okFloat));
      this.healthy.assign(okFloat as tf.Scalar);
    });
  }

  dispose(): void {
    tf.dispose([this.lr, this.healthy, this.finiteSteps, this.t, ...this.slots.flat()]);
  }
}
